using Pipeline.KafkaBroker.Protocol;

namespace Pipeline.KafkaBroker.Handlers;

/// <summary>LeaveGroup (13) v0–2: a closing consumer leaves at once instead of waiting out its session.</summary>
internal sealed class LeaveGroupHandler : IRequestHandler
{
    public ApiKey ApiKey => ApiKey.LeaveGroup;

    public short MinVersion => 0;

    public short MaxVersion => 2;

    public ValueTask<bool> HandleAsync(RequestContext context, KafkaReader request, KafkaWriter response, CancellationToken cancellationToken)
    {
        var groupId = request.ReadString();
        var memberId = request.ReadString();
        if (context.Version >= 1)
        {
            response.WriteInt32(0); // throttle time
        }

        response.WriteInt16(context.Broker.Groups.Leave(groupId, memberId));
        return ValueTask.FromResult(true);
    }
}
