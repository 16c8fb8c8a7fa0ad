using System.Text.Json.Serialization;

namespace Pipeline.StreamProcessor.Reporting;

/// <summary>
/// What <c>/progress</c> answers, in the spirit of Spark's <c>StreamingQueryProgress</c>: the run, and per assigned
/// partition its offsets, watermark, state and commits, plus totals. Offsets are Kafka's next-offset convention (the
/// first not yet committed, consumed, or written); null where nothing is known yet.
/// </summary>
internal sealed record ProcessorProgress(
    string RunId,
    string Topic,
    string GroupId,
    DateTimeOffset Timestamp,
    DateTimeOffset? SnapshotAt,
    IReadOnlyList<PartitionProgress> Partitions,
    ProgressTotals Totals);

/// <remarks>
/// <c>committedOffset</c>: The checkpoint's next offset: everything before it is in the output.<br/>
/// <c>position</c>: The next offset to consume.<br/>
/// <c>logEndOffset</c>: The leader's log end at its last answer to the prober.<br/>
/// <c>logEndAsOf</c>: When the leader gave that log end (probes run every PartitionProbeInterval, so under load the
/// position may already be past it).<br/>
/// <c>lag</c>: Log end minus position (messages not yet consumed, at least 0), as of the leader's last answer.<br/>
/// <c>leaderAnswering</c>: Whether the leader answered the latest offsets probe; null before the first.<br/>
/// <c>openWindows</c>: Window intervals still open (many keys share one).<br/>
/// <c>stateRows</c>: Aggregates held in state, one per key and open window (what the checkpoint stores).<br/>
/// <c>inputRowsPerSecond</c>: Messages consumed per second over the last few seconds.<br/>
/// <c>processedRowsPerSecond</c>: Messages committed per second over the same interval.<br/>
/// <c>filesPerHour</c>: Files committed per hour since the partition was assigned here.
/// </remarks>
internal sealed record PartitionProgress(
    int Partition,
    long? CommittedOffset,
    long? Position,
    long? LogEndOffset,
    DateTimeOffset? LogEndAsOf,
    long? Lag,
    bool? LeaderAnswering,
    DateTime? Watermark,
    DateTime? MaxEventTime,
    int OpenWindows,
    int StateRows,
    long LateEvents,
    double? InputRowsPerSecond,
    double? ProcessedRowsPerSecond,
    LastCommitProgress? LastCommit,
    long Commits,
    double? AverageCommitDurationMs,
    double? FilesPerHour);

/// <remarks>
/// <c>firstOffset</c>: Its first offset; null for a commit of windows an idle partition's clock closed.<br/>
/// <c>durationMs</c>: From the batch's seal to its checkpoint (files, results, checkpoint).
/// </remarks>
internal sealed record LastCommitProgress(DateTimeOffset At, long? FirstOffset, long NextOffset, long Rows, int Files, int WindowsClosed, double DurationMs);

/// <remarks>
/// <c>lag</c>: The partitions' lag summed (those whose leader has answered).<br/>
/// <c>leadersNotAnswering</c>: Partitions whose leader did not answer the latest probe.
/// </remarks>
internal sealed record ProgressTotals(
    int Partitions,
    long Lag,
    int LeadersNotAnswering,
    int OpenWindows,
    int StateRows,
    double InputRowsPerSecond,
    double ProcessedRowsPerSecond,
    long Commits,
    double FilesPerHour);

/// <summary>Source-generated JSON for <see cref="ProcessorProgress"/> (no reflection), camelCase and indented for people and <c>jq</c> alike.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(ProcessorProgress))]
internal sealed partial class ProgressJsonContext : JsonSerializerContext;
