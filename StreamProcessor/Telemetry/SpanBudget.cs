namespace Pipeline.StreamProcessor.Telemetry;

/// <summary>
/// At most <c>perSecond</c> spans in each one-second window of a <see cref="TimeProvider"/>'s timestamps (a window
/// starts with the first span asked for after the previous one ended). Allocation-free; one thread only (the engine's).
/// </summary>
internal sealed class SpanBudget
{
    private readonly int _perSecond;
    private readonly long _window;
    private long _windowEnd = long.MinValue;
    private int _left;

    /// <param name="perSecond">Spans per window; 0 allows none.</param>
    /// <param name="timestampFrequency"><see cref="TimeProvider.TimestampFrequency"/> of the clock <see cref="TryTake"/> is given.</param>
    public SpanBudget(int perSecond, long timestampFrequency)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(perSecond);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(timestampFrequency);
        _perSecond = perSecond;
        _window = timestampFrequency;
    }

    /// <summary>Takes one span from the budget at <paramref name="now"/> (a <see cref="TimeProvider.GetTimestamp"/>); false when it is spent.</summary>
    public bool TryTake(long now)
    {
        if (now >= _windowEnd)
        {
            _windowEnd = now + _window;
            _left = _perSecond;
        }

        if (_left == 0)
        {
            return false;
        }

        _left--;
        return true;
    }
}
