namespace Pipeline.StreamProcessor.Windowing;

/// <summary>Tumbling-window arithmetic on UTC ticks: windows are half-open <c>[start, start + size)</c>, aligned to the Unix epoch.</summary>
internal static class WindowMath
{
    private static readonly long s_epochTicks = DateTime.UnixEpoch.Ticks;

    /// <summary>The start of the window containing <paramref name="ticks"/>: <c>t - ((t - epoch) mod size)</c>, also before the epoch.</summary>
    public static long WindowStartTicks(long ticks, long sizeTicks)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sizeTicks);
        var sinceEpoch = ticks - s_epochTicks;
        var remainder = sinceEpoch % sizeTicks;
        if (remainder < 0)
        {
            remainder += sizeTicks; // before the epoch: floor, not truncation toward zero
        }

        return ticks - remainder;
    }

    public static DateTime WindowStart(DateTime timestamp, TimeSpan size) =>
        new(WindowStartTicks(timestamp.Ticks, size.Ticks), DateTimeKind.Utc);

    /// <summary>The exclusive end of a window, clamped so the last windows of the calendar cannot overflow.</summary>
    public static long WindowEndTicks(long startTicks, long sizeTicks) =>
        startTicks > DateTime.MaxValue.Ticks - sizeTicks ? DateTime.MaxValue.Ticks : startTicks + sizeTicks;
}
