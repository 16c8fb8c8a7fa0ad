using Pipeline.StreamProcessor.Windowing;

namespace Pipeline.StreamProcessor.Checkpointing;

/// <summary>
/// Everything a lane needs to resume one partition exactly where its last committed batch ended:
/// the next offset to read and the window state at that offset. Times are UTC.
/// </summary>
/// <param name="Topic">The Kafka topic (unsanitized).</param>
/// <param name="Partition">The Kafka partition.</param>
/// <param name="NextOffset">The first offset not yet in the output; the lane seeks here.</param>
/// <param name="MaxEventTime">The largest event time seen, or <c>null</c> before the first event.</param>
/// <param name="Watermark">The partition watermark, or <c>null</c> before the first event.</param>
/// <param name="OpenWindows">Windows not yet closed (their finals are not yet written).</param>
/// <param name="LateEvents">Events counted as late so far on this partition.</param>
/// <param name="Version">The file format version; a file of another version is refused, not guessed at.</param>
internal sealed record PartitionCheckpoint(
    string Topic,
    int Partition,
    long NextOffset,
    DateTime? MaxEventTime,
    DateTime? Watermark,
    IReadOnlyList<WindowAggregate> OpenWindows,
    long LateEvents,
    int Version = PartitionCheckpoint.CurrentVersion)
{
    public const int CurrentVersion = 1;
}
