using System.Globalization;

namespace Pipeline.Benchmarks.Files;

/// <summary>
/// What the <c>files</c> benchmark simulates: <see cref="Rate"/> events a second for <see cref="Hours"/> hours of simulated
/// time, ids 0..<see cref="Ids"/>−1 keyed over <see cref="Partitions"/> partitions, values from <see cref="Seed"/>, on the
/// service's defaults but for <see cref="Overrides"/> (configuration keys and values).
/// </summary>
internal sealed record SimulationSettings(
    double Rate, double Hours, int Partitions, int Ids, int Seed, IReadOnlyDictionary<string, string?> Overrides, string? KeepDirectory)
{
    /// <summary>The simulated clock's start (any fixed instant: a run is reproducible to the tick).</summary>
    public static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Events of the whole span: one every 1/<see cref="Rate"/> s from <see cref="Start"/>.</summary>
    public long TotalEvents => (long)Math.Round(Rate * Hours * 3600);

    /// <summary>The simulated span.</summary>
    public TimeSpan Span => TimeSpan.FromHours(Hours);

    /// <summary>
    /// When event <paramref name="index"/> is produced (its event time and its arrival: the producer stamps its own
    /// clock), computed from the index, not summed step by step, so a rate that is no whole number of ticks does not drift.
    /// </summary>
    public DateTimeOffset EventTime(long index) => Start.AddTicks((long)Math.Round(index * (TimeSpan.TicksPerSecond / Rate)));

    /// <summary>The overrides as printed: <c>key=value</c>, comma-separated, or "none".</summary>
    public string DescribeOverrides() =>
        Overrides.Count == 0 ? "none" : string.Join(", ", Overrides.Select(static o => string.Create(CultureInfo.InvariantCulture, $"{o.Key}={o.Value}")));
}
