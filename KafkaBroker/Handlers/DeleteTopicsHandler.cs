using Pipeline.KafkaBroker.Protocol;

namespace Pipeline.KafkaBroker.Handlers;

/// <summary>DeleteTopics (20) v0–3: removes the topic and its data; the name can be created again at once.</summary>
internal sealed class DeleteTopicsHandler : IRequestHandler
{
    public ApiKey ApiKey => ApiKey.DeleteTopics;

    public short MinVersion => 0;

    public short MaxVersion => 3;

    public ValueTask<bool> HandleAsync(RequestContext context, KafkaReader request, KafkaWriter response, CancellationToken cancellationToken)
    {
        var count = request.ReadArrayLength();
        var names = new List<string>(Math.Max(count, 0));
        for (var i = 0; i < count; i++)
        {
            names.Add(request.ReadString());
        }

        _ = request.ReadInt32(); // timeout: deletion is synchronous
        if (context.Version >= 1)
        {
            response.WriteInt32(0); // throttle time
        }

        response.WriteArrayLength(names.Count);
        foreach (var name in names)
        {
            response.WriteString(name);
            response.WriteInt16(context.Broker.Topics.Delete(name));
        }

        return ValueTask.FromResult(true);
    }
}
