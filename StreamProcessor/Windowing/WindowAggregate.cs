using Pipeline.StreamProcessor.Contracts;

namespace Pipeline.StreamProcessor.Windowing;

/// <summary>
/// The aggregate of one id inside one tumbling window <c>[WindowStart, WindowEnd)</c> (UTC).
/// Used for live updates, for closed (final) windows and for checkpointed open-window state.
/// </summary>
internal readonly record struct WindowAggregate(
    DateTime WindowStart,
    DateTime WindowEnd,
    int Id,
    long Count,
    double Sum,
    double Min,
    double Max)
{
    public double Average => Count == 0 ? double.NaN : Sum / Count;

    /// <summary>The published form of this window once closed (aggregates row, windows-topic message).</summary>
    public ClosedWindow ToClosedWindow() => new(WindowStart, WindowEnd, Id, Count, Sum, Average, Min, Max);
}
