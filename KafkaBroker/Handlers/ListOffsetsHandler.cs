using Pipeline.KafkaBroker.Protocol;

namespace Pipeline.KafkaBroker.Handlers;

/// <summary>
/// ListOffsets (2) v1–5: -1 = latest (high watermark), -2 = earliest (log start); otherwise the
/// first batch whose max timestamp is at or after the time asked (batch-precise: batches stay
/// compressed; clients skip the records before the offset they asked for).
/// </summary>
internal sealed class ListOffsetsHandler : IRequestHandler
{
    private const long Latest = -1;
    private const long Earliest = -2;

    public ApiKey ApiKey => ApiKey.ListOffsets;

    public short MinVersion => 1;

    public short MaxVersion => 5;

    public ValueTask<bool> HandleAsync(RequestContext context, KafkaReader request, KafkaWriter response, CancellationToken cancellationToken)
    {
        var version = context.Version;
        _ = request.ReadInt32(); // replica id
        if (version >= 2)
        {
            _ = request.ReadInt8(); // isolation level: last stable offset = high watermark here
        }

        if (version >= 2)
        {
            response.WriteInt32(0); // throttle time
        }

        PartitionArrays.Answer(context, request, response, (topic, index) =>
        {
            if (version >= 4)
            {
                _ = request.ReadInt32(); // current leader epoch
            }

            var timestamp = request.ReadInt64();
            var partition = topic?.Partition(index);
            if (partition is null)
            {
                response.WriteInt16(ErrorCode.UnknownTopicOrPartition);
                response.WriteInt64(-1);
                response.WriteInt64(-1);
            }
            else
            {
                var offset = timestamp switch
                {
                    Latest => partition.HighWatermark,
                    Earliest => partition.LogStartOffset,
                    _ => partition.OffsetForTimestamp(timestamp),
                };
                response.WriteInt16(ErrorCode.None);
                response.WriteInt64(timestamp is Latest or Earliest || offset < 0 ? -1 : timestamp);
                response.WriteInt64(offset);
            }

            if (version >= 4)
            {
                response.WriteInt32(partition is null ? -1 : Storage.PartitionLog.LeaderEpoch);
            }
        });

        return ValueTask.FromResult(true);
    }
}
