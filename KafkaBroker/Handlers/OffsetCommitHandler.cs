using Pipeline.KafkaBroker.Groups;
using Pipeline.KafkaBroker.Protocol;

namespace Pipeline.KafkaBroker.Handlers;

/// <summary>
/// OffsetCommit (8) v2–7 with Kafka's validation: members commit for their generation; generation -1
/// with no member id (Assign() and admin tools) is accepted while the group has no members.
/// </summary>
internal sealed class OffsetCommitHandler : IRequestHandler
{
    private const int MaxMetadataLength = 4096;

    public ApiKey ApiKey => ApiKey.OffsetCommit;

    public short MinVersion => 2;

    public short MaxVersion => 7;

    public ValueTask<bool> HandleAsync(RequestContext context, KafkaReader request, KafkaWriter response, CancellationToken cancellationToken)
    {
        var version = context.Version;
        var groupId = request.ReadString();
        var generation = request.ReadInt32();
        var memberId = request.ReadString();
        if (version >= 7)
        {
            _ = request.ReadNullableString(); // group instance id
        }

        if (version <= 4)
        {
            _ = request.ReadInt64(); // retention time: offsets are kept
        }

        var topics = new List<(string Name, List<(int Partition, long Offset, int Epoch, string? Metadata)> Partitions)>();
        var topicCount = request.ReadArrayLength();
        for (var t = 0; t < topicCount; t++)
        {
            var name = request.ReadString();
            var partitionCount = request.ReadArrayLength();
            var partitions = new List<(int, long, int, string?)>(Math.Max(partitionCount, 0));
            for (var p = 0; p < partitionCount; p++)
            {
                var index = request.ReadInt32();
                var offset = request.ReadInt64();
                var epoch = version >= 6 ? request.ReadInt32() : -1;
                partitions.Add((index, offset, epoch, request.ReadNullableString()));
            }

            topics.Add((name, partitions));
        }

        var commits = new List<(string, int, CommittedOffset)>();
        foreach (var (name, partitions) in topics)
        {
            foreach (var (partition, offset, epoch, metadata) in partitions)
            {
                if ((metadata?.Length ?? 0) <= MaxMetadataLength)
                {
                    commits.Add((name, partition, new CommittedOffset(offset, epoch, metadata)));
                }
            }
        }

        var error = context.Broker.Groups.Commit(groupId, memberId, generation, commits);
        if (version >= 3)
        {
            response.WriteInt32(0); // throttle time
        }

        response.WriteArrayLength(topics.Count);
        foreach (var (name, partitions) in topics)
        {
            response.WriteString(name);
            response.WriteArrayLength(partitions.Count);
            foreach (var (partition, _, _, metadata) in partitions)
            {
                response.WriteInt32(partition);
                response.WriteInt16((metadata?.Length ?? 0) > MaxMetadataLength ? ErrorCode.OffsetMetadataTooLarge : error);
            }
        }

        return ValueTask.FromResult(true);
    }
}
