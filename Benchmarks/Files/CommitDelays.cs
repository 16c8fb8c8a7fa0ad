using Pipeline.Benchmarks.Pipeline;

namespace Pipeline.Benchmarks.Files;

/// <summary>
/// Freshness on the simulated clock: each event's delay from its arrival to the commit that covers it (the engine's
/// offset hint, given once the batch's files and checkpoint are durable: the files are readable from then at the
/// latest). Arrivals not yet committed wait in a queue per partition, in offset order; a compaction that later
/// rewrites the files does not change when their rows first became readable.
/// </summary>
internal sealed class CommitDelays
{
    private readonly Queue<long>[] _arrivals;
    private readonly long[] _committed;

    public CommitDelays(int partitions)
    {
        _arrivals = [.. Enumerable.Range(0, partitions).Select(static _ => new Queue<long>())];
        _committed = new long[partitions];
    }

    public LatencyHistogram Histogram { get; } = new();

    public TimeSpan Max { get; private set; }

    public long Recorded { get; private set; }

    /// <summary>Events that arrived and were never committed (should be none once the engine has stopped).</summary>
    public long Uncommitted => _arrivals.Sum(static q => (long)q.Count);

    /// <summary>The next offset of <paramref name="partition"/> arrived at <paramref name="at"/>.</summary>
    public void Arrived(int partition, DateTimeOffset at) => _arrivals[partition].Enqueue(at.UtcTicks);

    /// <summary>Every offset of <paramref name="partition"/> below <paramref name="nextOffset"/> is committed as of <paramref name="now"/>.</summary>
    public void Committed(int partition, long nextOffset, DateTimeOffset now)
    {
        var arrivals = _arrivals[partition];
        for (; _committed[partition] < nextOffset && arrivals.TryDequeue(out var arrival); _committed[partition]++)
        {
            var delay = TimeSpan.FromTicks(now.UtcTicks - arrival);
            Histogram.Record(delay);
            Recorded++;
            if (delay > Max)
            {
                Max = delay;
            }
        }
    }
}
