namespace Pipeline.Benchmarks.Pipeline;

/// <summary>Log-scale latency histogram (microsecond resolution, ~2% buckets) for percentiles without storing samples.</summary>
internal sealed class LatencyHistogram
{
    private const double Base = 1.02;
    private readonly long[] _buckets = new long[1200];
    private long _count;

    public void Record(TimeSpan latency, long count = 1)
    {
        var micros = Math.Max(1, latency.TotalMicroseconds);
        var bucket = Math.Min(_buckets.Length - 1, (int)Math.Log(micros, Base));
        _buckets[bucket] += count;
        _count += count;
    }

    public TimeSpan Percentile(double p)
    {
        if (_count == 0)
        {
            return TimeSpan.Zero;
        }

        var target = (long)Math.Ceiling(_count * p);
        long seen = 0;
        for (var i = 0; i < _buckets.Length; i++)
        {
            seen += _buckets[i];
            if (seen >= target)
            {
                return TimeSpan.FromMicroseconds(Math.Pow(Base, i + 1));
            }
        }

        return TimeSpan.MaxValue;
    }
}
