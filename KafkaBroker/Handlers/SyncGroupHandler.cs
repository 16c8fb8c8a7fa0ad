using Pipeline.KafkaBroker.Protocol;

namespace Pipeline.KafkaBroker.Handlers;

/// <summary>SyncGroup (14) v0–3: followers wait for the leader's assignments, relayed byte for byte.</summary>
internal sealed class SyncGroupHandler : IRequestHandler
{
    public ApiKey ApiKey => ApiKey.SyncGroup;

    public short MinVersion => 0;

    public short MaxVersion => 3;

    public async ValueTask<bool> HandleAsync(RequestContext context, KafkaReader request, KafkaWriter response, CancellationToken cancellationToken)
    {
        var version = context.Version;
        var groupId = request.ReadString();
        var generation = request.ReadInt32();
        var memberId = request.ReadString();
        if (version >= 3)
        {
            _ = request.ReadNullableString(); // group instance id
        }

        var count = request.ReadArrayLength();
        var assignments = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
        {
            assignments[request.ReadString()] = request.ReadBytes().ToArray();
        }

        var result = await context.Broker.Groups.SyncAsync(groupId, memberId, generation, assignments, cancellationToken);
        if (version >= 1)
        {
            response.WriteInt32(0); // throttle time
        }

        response.WriteInt16(result.Error);
        response.WriteBytes(result.Assignment);
        return true;
    }
}
