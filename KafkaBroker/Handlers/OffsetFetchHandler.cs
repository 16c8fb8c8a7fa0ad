using Pipeline.KafkaBroker.Protocol;

namespace Pipeline.KafkaBroker.Handlers;

/// <summary>
/// OffsetFetch (9) v1–5: committed offsets, -1 where none (the client then applies auto.offset.reset).
/// v2+ with a null topic list returns every partition the group committed.
/// </summary>
internal sealed class OffsetFetchHandler : IRequestHandler
{
    public ApiKey ApiKey => ApiKey.OffsetFetch;

    public short MinVersion => 1;

    public short MaxVersion => 5;

    public ValueTask<bool> HandleAsync(RequestContext context, KafkaReader request, KafkaWriter response, CancellationToken cancellationToken)
    {
        var version = context.Version;
        var groupId = request.ReadString();
        var offsets = context.Broker.Groups.Offsets;
        var topicCount = request.ReadArrayLength();
        var requested = new List<(string Topic, List<int> Partitions)>();
        if (topicCount < 0)
        {
            foreach (var group in offsets.ForGroup(groupId).GroupBy(o => o.Topic))
            {
                requested.Add((group.Key, group.Select(o => o.Partition).ToList()));
            }
        }

        for (var t = 0; t < topicCount; t++)
        {
            var name = request.ReadString();
            var count = request.ReadArrayLength();
            var partitions = new List<int>(Math.Max(count, 0));
            for (var p = 0; p < count; p++)
            {
                partitions.Add(request.ReadInt32());
            }

            requested.Add((name, partitions));
        }

        if (version >= 3)
        {
            response.WriteInt32(0); // throttle time
        }

        response.WriteArrayLength(requested.Count);
        foreach (var (topic, partitions) in requested)
        {
            response.WriteString(topic);
            response.WriteArrayLength(partitions.Count);
            foreach (var partition in partitions)
            {
                var committed = offsets.Get(groupId, topic, partition);
                response.WriteInt32(partition);
                response.WriteInt64(committed?.Offset ?? -1);
                if (version >= 5)
                {
                    response.WriteInt32(committed?.LeaderEpoch ?? -1);
                }

                response.WriteString(committed?.Metadata ?? string.Empty);
                response.WriteInt16(ErrorCode.None);
            }
        }

        if (version >= 2)
        {
            response.WriteInt16(ErrorCode.None);
        }

        return ValueTask.FromResult(true);
    }
}
