using Pipeline.KafkaBroker.Protocol;

namespace Pipeline.KafkaBroker.Handlers;

/// <summary>
/// JoinGroup (11) v0–5. Parks until the rebalance completes (the connection waits, as with Kafka).
/// MEMBER_ID_REQUIRED only for v4+ (kafka-python's v2 would not understand it). v0 has no
/// rebalance timeout: the session timeout stands in.
/// </summary>
internal sealed class JoinGroupHandler : IRequestHandler
{
    public ApiKey ApiKey => ApiKey.JoinGroup;

    public short MinVersion => 0;

    public short MaxVersion => 5;

    public async ValueTask<bool> HandleAsync(RequestContext context, KafkaReader request, KafkaWriter response, CancellationToken cancellationToken)
    {
        var version = context.Version;
        var groupId = request.ReadString();
        var sessionTimeout = TimeSpan.FromMilliseconds(request.ReadInt32());
        var rebalanceTimeout = version >= 1 ? TimeSpan.FromMilliseconds(request.ReadInt32()) : sessionTimeout;
        var memberId = request.ReadString();
        var instanceId = version >= 5 ? request.ReadNullableString() : null;
        var protocolType = request.ReadString();
        var count = request.ReadArrayLength();
        var protocols = new List<(string, byte[])>(Math.Max(count, 0));
        for (var i = 0; i < count; i++)
        {
            protocols.Add((request.ReadString(), request.ReadBytes().ToArray()));
        }

        var result = await context.Broker.Groups.JoinAsync(
            groupId, memberId, instanceId, context.ClientId, context.ClientHost, version,
            sessionTimeout, rebalanceTimeout, protocolType, protocols, cancellationToken);

        if (version >= 2)
        {
            response.WriteInt32(0); // throttle time
        }

        response.WriteInt16(result.Error);
        response.WriteInt32(result.Generation);
        response.WriteString(result.ProtocolName);
        response.WriteString(result.Leader);
        response.WriteString(result.MemberId);
        response.WriteArrayLength(result.Members.Count);
        foreach (var (member, instance, metadata) in result.Members)
        {
            response.WriteString(member);
            if (version >= 5)
            {
                response.WriteString(instance);
            }

            response.WriteBytes(metadata);
        }

        return true;
    }
}
