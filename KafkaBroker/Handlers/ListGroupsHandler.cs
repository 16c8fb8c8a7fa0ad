using Pipeline.KafkaBroker.Protocol;

namespace Pipeline.KafkaBroker.Handlers;

/// <summary>ListGroups (16) v0–2: every group this node coordinates.</summary>
internal sealed class ListGroupsHandler : IRequestHandler
{
    public ApiKey ApiKey => ApiKey.ListGroups;

    public short MinVersion => 0;

    public short MaxVersion => 2;

    public ValueTask<bool> HandleAsync(RequestContext context, KafkaReader request, KafkaWriter response, CancellationToken cancellationToken)
    {
        if (context.Version >= 1)
        {
            response.WriteInt32(0); // throttle time
        }

        var groups = context.Broker.Groups.Groups;
        response.WriteInt16(ErrorCode.None);
        response.WriteArrayLength(groups.Count);
        foreach (var group in groups)
        {
            response.WriteString(group.Id);
            response.WriteString(group.ProtocolType ?? "consumer");
        }

        return ValueTask.FromResult(true);
    }
}
