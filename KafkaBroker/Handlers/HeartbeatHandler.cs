using Pipeline.KafkaBroker.Protocol;

namespace Pipeline.KafkaBroker.Handlers;

/// <summary>Heartbeat (12) v0–3: keeps the session alive; REBALANCE_IN_PROGRESS tells the member to rejoin.</summary>
internal sealed class HeartbeatHandler : IRequestHandler
{
    public ApiKey ApiKey => ApiKey.Heartbeat;

    public short MinVersion => 0;

    public short MaxVersion => 3;

    public ValueTask<bool> HandleAsync(RequestContext context, KafkaReader request, KafkaWriter response, CancellationToken cancellationToken)
    {
        var groupId = request.ReadString();
        var generation = request.ReadInt32();
        var memberId = request.ReadString();
        if (context.Version >= 3)
        {
            _ = request.ReadNullableString(); // group instance id
        }

        if (context.Version >= 1)
        {
            response.WriteInt32(0); // throttle time
        }

        response.WriteInt16(context.Broker.Groups.Heartbeat(groupId, memberId, generation));
        return ValueTask.FromResult(true);
    }
}
