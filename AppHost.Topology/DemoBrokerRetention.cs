using System.Globalization;

namespace Pipeline.Demo;

/// <summary>
/// The one home of the retention a demo run's embedded broker keeps: an hour, and at most 256 MiB per partition, so
/// <c>data/kafka</c> of a week-long AppHost or Standalone run stays bounded (a few hundred MiB per partition at most:
/// the limit, plus the active segment, plus what arrives between two checks) instead of growing without end. An hour
/// is far more than the StreamProcessor needs to catch up after a restart; a processor stopped for longer resumes at
/// the log start (its consumer's auto.offset.reset is earliest), without the records retention deleted. Segments of 16 MiB rolled every 10 minutes let retention free space in small
/// steps even at the Producer's default 5–20 events/s. The library's own defaults stay Kafka's (7 days, unlimited).
/// Compiled into both the AppHost's model (as the broker's command line) and Standalone (as its options).
/// </summary>
internal static class DemoBrokerRetention
{
    public static readonly TimeSpan Retention = TimeSpan.FromHours(1);

    public const long RetentionBytes = 256L * 1024 * 1024;

    public const int SegmentBytes = 16 * 1024 * 1024;

    public static readonly TimeSpan SegmentRoll = TimeSpan.FromMinutes(10);

    /// <summary>A minute rather than Kafka's 5: a demo's disk use should follow its settings closely.</summary>
    public static readonly TimeSpan CheckInterval = TimeSpan.FromMinutes(1);

    /// <summary>The settings as the broker's command-line flags (Kafka's names and units).</summary>
    public static IReadOnlyList<string> Arguments() =>
    [
        "--retention-ms", Milliseconds(Retention),
        "--retention-bytes", RetentionBytes.ToString(CultureInfo.InvariantCulture),
        "--segment-bytes", SegmentBytes.ToString(CultureInfo.InvariantCulture),
        "--segment-ms", Milliseconds(SegmentRoll),
        "--retention-check-interval-ms", Milliseconds(CheckInterval),
    ];

    private static string Milliseconds(TimeSpan value) => ((long)value.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
}
