using System.Buffers;
using Pipeline.StreamProcessor.Windowing;

namespace Pipeline.StreamProcessor.Sinks;

/// <summary>
/// Pooled column buffers for one row group of the aggregates file, filled from <see cref="WindowAggregate"/> rows.
/// </summary>
internal sealed class AggregateColumns : IDisposable
{
    public AggregateColumns(int capacity)
    {
        WindowStarts = ArrayPool<DateTime>.Shared.Rent(capacity);
        WindowEnds = ArrayPool<DateTime>.Shared.Rent(capacity);
        Ids = ArrayPool<int>.Shared.Rent(capacity);
        Counts = ArrayPool<long>.Shared.Rent(capacity);
        Sums = ArrayPool<double>.Shared.Rent(capacity);
        Averages = ArrayPool<double>.Shared.Rent(capacity);
        Mins = ArrayPool<double>.Shared.Rent(capacity);
        Maxes = ArrayPool<double>.Shared.Rent(capacity);
    }

    public DateTime[] WindowStarts { get; }

    public DateTime[] WindowEnds { get; }

    public int[] Ids { get; }

    public long[] Counts { get; }

    public double[] Sums { get; }

    public double[] Averages { get; }

    public double[] Mins { get; }

    public double[] Maxes { get; }

    public void Fill(ReadOnlySpan<WindowAggregate> windows)
    {
        for (int i = 0; i < windows.Length; i++)
        {
            ref readonly WindowAggregate w = ref windows[i];
            WindowStarts[i] = w.WindowStart;
            WindowEnds[i] = w.WindowEnd;
            Ids[i] = w.Id;
            Counts[i] = w.Count;
            Sums[i] = w.Sum;
            Averages[i] = w.Average;
            Mins[i] = w.Min;
            Maxes[i] = w.Max;
        }
    }

    public void Dispose()
    {
        ArrayPool<DateTime>.Shared.Return(WindowStarts);
        ArrayPool<DateTime>.Shared.Return(WindowEnds);
        ArrayPool<int>.Shared.Return(Ids);
        ArrayPool<long>.Shared.Return(Counts);
        ArrayPool<double>.Shared.Return(Sums);
        ArrayPool<double>.Shared.Return(Averages);
        ArrayPool<double>.Shared.Return(Mins);
        ArrayPool<double>.Shared.Return(Maxes);
    }
}
