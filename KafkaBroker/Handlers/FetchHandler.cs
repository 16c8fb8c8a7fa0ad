using Pipeline.KafkaBroker.Protocol;
using Pipeline.KafkaBroker.Storage;

namespace Pipeline.KafkaBroker.Handlers;

/// <summary>
/// Fetch (1) v4–11, sessionless. Returns whole stored batches from the one containing the fetch
/// offset; honours MaxBytes and PartitionMaxBytes but always returns the first batch found
/// (KIP-74); when less than MinBytes is available it waits up to MaxWaitMs for an append instead
/// of letting the client spin. No transactions: last stable offset = high watermark.
/// </summary>
internal sealed class FetchHandler : IRequestHandler
{
    public ApiKey ApiKey => ApiKey.Fetch;

    public short MinVersion => 4;

    public short MaxVersion => 11;

    public async ValueTask<bool> HandleAsync(RequestContext context, KafkaReader request, KafkaWriter response, CancellationToken cancellationToken)
    {
        var version = context.Version;
        var fetch = FetchRequest.Read(request, version);
        var broker = context.Broker;
        var time = broker.TimeProvider;
        var deadline = time.GetTimestamp() + (long)(Math.Max(fetch.MaxWaitMs, 0) / 1000.0 * time.TimestampFrequency);
        List<PartitionResult> results;
        var waits = new List<Task>();
        while (true)
        {
            // The append signals are taken before reading, so an append in between still wakes us.
            waits.Clear();
            foreach (var topic in fetch.Topics)
            {
                if (broker.Topics.TryGet(topic.Name, out var log))
                {
                    foreach (var requested in topic.Partitions)
                    {
                        if (log.Partition(requested.Index) is { } partition)
                        {
                            waits.Add(partition.WhenAppended());
                        }
                    }
                }
            }

            results = Collect(fetch, broker.Topics, out var totalBytes);
            var remaining = TimeSpan.FromSeconds((deadline - time.GetTimestamp()) / (double)time.TimestampFrequency);
            if (totalBytes >= Math.Max(fetch.MinBytes, 1) || remaining <= TimeSpan.Zero || HasError(results))
            {
                break;
            }

            // Long-poll: wake on the first append to any requested partition, or at MaxWaitMs.
            waits.Add(Task.Delay(remaining, time, cancellationToken));
            await Task.WhenAny(waits);
            cancellationToken.ThrowIfCancellationRequested();
        }

        response.WriteInt32(0); // throttle time
        if (version >= 7)
        {
            response.WriteInt16(ErrorCode.None);
            response.WriteInt32(0); // session id: sessionless
        }

        var index = 0;
        response.WriteArrayLength(fetch.Topics.Count);
        foreach (var topic in fetch.Topics)
        {
            response.WriteString(topic.Name);
            response.WriteArrayLength(topic.Partitions.Count);
            for (var p = 0; p < topic.Partitions.Count; p++, index++)
            {
                var result = results[index];
                response.WriteInt32(result.Index);
                response.WriteInt16(result.Error);
                response.WriteInt64(result.HighWatermark);
                response.WriteInt64(result.HighWatermark); // last stable offset
                if (version >= 5)
                {
                    response.WriteInt64(result.Partition?.LogStartOffset ?? -1);
                }

                response.WriteArrayLength(0); // aborted transactions
                if (version >= 11)
                {
                    response.WriteInt32(-1); // preferred read replica
                }

                response.WriteInt32(result.Bytes);
                foreach (var batch in result.Batches)
                {
                    response.WriteRaw(batch);
                }
            }
        }

        return true;
    }

    private static bool HasError(List<PartitionResult> results)
    {
        foreach (var result in results)
        {
            if (result.Error != ErrorCode.None)
            {
                return true;
            }
        }

        return false;
    }

    private static List<PartitionResult> Collect(FetchRequest fetch, TopicRegistry topics, out int totalBytes)
    {
        var results = new List<PartitionResult>();
        totalBytes = 0;
        foreach (var topic in fetch.Topics)
        {
            topics.TryGet(topic.Name, out var log);
            foreach (var request in topic.Partitions)
            {
                var partition = log?.Partition(request.Index);
                if (partition is null)
                {
                    results.Add(new PartitionResult(request.Index, ErrorCode.UnknownTopicOrPartition, -1, null, [], 0));
                    continue;
                }

                var highWatermark = partition.HighWatermark;
                if (request.FetchOffset < partition.LogStartOffset || request.FetchOffset > highWatermark)
                {
                    results.Add(new PartitionResult(request.Index, ErrorCode.OffsetOutOfRange, highWatermark, partition, [], 0));
                    continue;
                }

                var batches = new List<byte[]>();
                var budget = Math.Min(request.MaxBytes, fetch.MaxBytes - totalBytes);
                var bytes = partition.Read(request.FetchOffset, Math.Max(budget, 0), includeFirst: totalBytes == 0, batches);
                totalBytes += bytes;
                results.Add(new PartitionResult(request.Index, ErrorCode.None, highWatermark, partition, batches, bytes));
            }
        }

        return results;
    }

    private sealed record PartitionResult(int Index, ErrorCode Error, long HighWatermark, PartitionLog? Partition, List<byte[]> Batches, int Bytes);

    private sealed record FetchPartition(int Index, long FetchOffset, int MaxBytes);

    private sealed record FetchTopic(string Name, List<FetchPartition> Partitions);

    private sealed record FetchRequest(int MaxWaitMs, int MinBytes, int MaxBytes, List<FetchTopic> Topics)
    {
        public static FetchRequest Read(KafkaReader request, short version)
        {
            _ = request.ReadInt32(); // replica id
            var maxWaitMs = request.ReadInt32();
            var minBytes = request.ReadInt32();
            var maxBytes = request.ReadInt32();
            _ = request.ReadInt8(); // isolation level: no transactions, so both levels read to the high watermark
            if (version >= 7)
            {
                _ = request.ReadInt32(); // session id
                _ = request.ReadInt32(); // session epoch
            }

            var topicCount = request.ReadArrayLength();
            var topics = new List<FetchTopic>(Math.Max(topicCount, 0));
            for (var t = 0; t < topicCount; t++)
            {
                var name = request.ReadString();
                var partitionCount = request.ReadArrayLength();
                var partitions = new List<FetchPartition>(Math.Max(partitionCount, 0));
                for (var p = 0; p < partitionCount; p++)
                {
                    var index = request.ReadInt32();
                    if (version >= 9)
                    {
                        _ = request.ReadInt32(); // current leader epoch: leader epochs are not validated
                    }

                    var fetchOffset = request.ReadInt64();
                    if (version >= 5)
                    {
                        _ = request.ReadInt64(); // follower log start offset
                    }

                    partitions.Add(new FetchPartition(index, fetchOffset, request.ReadInt32()));
                }

                topics.Add(new FetchTopic(name, partitions));
            }

            // Forgotten topics (v7+) and rack id (v11) matter only to fetch sessions and replicas.
            return new FetchRequest(maxWaitMs, minBytes, maxBytes <= 0 ? int.MaxValue : maxBytes, topics);
        }
    }
}
