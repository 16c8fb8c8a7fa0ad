using Pipeline.KafkaBroker.Protocol;

namespace Pipeline.KafkaBroker.Storage;

/// <summary>
/// Idempotent-producer state of one partition, by producer id: epoch, last sequence and the last
/// five batches (Kafka keeps five because clients have at most five requests in flight). Rules as
/// Kafka's: a retried batch among the last five is a duplicate, answered with its original offset;
/// an older epoch is fenced; a new epoch starts at sequence 0; a gap is out of order; an unknown
/// producer (first batch, or state lost) is accepted at any sequence.
/// </summary>
internal sealed class ProducerStateTable
{
    private const int RetainedBatches = 5;
    private readonly Dictionary<long, Entry> _producers = [];

    /// <summary>Checks a batch before it is appended.</summary>
    public ErrorCode Check(in RecordBatchHeader batch, out long duplicateBaseOffset)
    {
        duplicateBaseOffset = -1;
        if (!batch.IsIdempotent || !_producers.TryGetValue(batch.ProducerId, out var entry))
        {
            return ErrorCode.None;
        }

        if (batch.ProducerEpoch == entry.Epoch)
        {
            foreach (var recent in entry.Recent)
            {
                if (recent.FirstSequence == batch.BaseSequence && recent.LastSequence == batch.LastSequence)
                {
                    duplicateBaseOffset = recent.BaseOffset;
                    return ErrorCode.None;
                }
            }

            return batch.BaseSequence == Next(entry.LastSequence) ? ErrorCode.None : ErrorCode.OutOfOrderSequenceNumber;
        }

        if (batch.ProducerEpoch < entry.Epoch)
        {
            return ErrorCode.InvalidProducerEpoch;
        }

        return batch.BaseSequence == 0 ? ErrorCode.None : ErrorCode.OutOfOrderSequenceNumber;
    }

    /// <summary>Records an appended batch (also used to rebuild the state from the log at start).</summary>
    public void Record(in RecordBatchHeader batch, long baseOffset)
    {
        if (!batch.IsIdempotent)
        {
            return;
        }

        if (!_producers.TryGetValue(batch.ProducerId, out var entry) || entry.Epoch != batch.ProducerEpoch)
        {
            entry = new Entry(batch.ProducerEpoch);
            _producers[batch.ProducerId] = entry;
        }

        entry.LastSequence = batch.LastSequence;
        entry.Recent.Enqueue(new RecentBatch(batch.BaseSequence, batch.LastSequence, baseOffset));
        if (entry.Recent.Count > RetainedBatches)
        {
            entry.Recent.Dequeue();
        }
    }

    /// <summary>The largest producer id seen (so ids handed out after a restart stay unique).</summary>
    public long MaxProducerId
    {
        get
        {
            var max = -1L;
            foreach (var id in _producers.Keys)
            {
                max = Math.Max(max, id);
            }

            return max;
        }
    }

    private static int Next(int sequence) => sequence == int.MaxValue ? 0 : sequence + 1;

    private sealed class Entry(short epoch)
    {
        public short Epoch { get; } = epoch;

        public int LastSequence { get; set; } = -1;

        public Queue<RecentBatch> Recent { get; } = new(RetainedBatches + 1);
    }

    private readonly record struct RecentBatch(int FirstSequence, int LastSequence, long BaseOffset);
}
