namespace Pipeline.StreamProcessor;

/// <summary>Every log line of the StreamProcessor. No payloads at Information.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1, EventName = "Started", Level = LogLevel.Information,
        Message = "Consuming {Topic} in group {GroupId}")]
    public static partial void Started(ILogger logger, string topic, string groupId);

    [LoggerMessage(EventId = 2, EventName = "Stopped", Level = LogLevel.Information,
        Message = "Every lane committed; left the group")]
    public static partial void Stopped(ILogger logger);

    [LoggerMessage(EventId = 3, EventName = "Assigned", Level = LogLevel.Information,
        Message = "Partitions assigned: {Partitions}")]
    public static partial void Assigned(ILogger logger, string partitions);

    [LoggerMessage(EventId = 4, EventName = "Revoked", Level = LogLevel.Information,
        Message = "Partitions revoked (committed and checkpointed): {Partitions}")]
    public static partial void Revoked(ILogger logger, string partitions);

    [LoggerMessage(EventId = 5, EventName = "Lost", Level = LogLevel.Warning,
        Message = "Partitions lost (state dropped, the new owner resumes from the checkpoint): {Partitions}")]
    public static partial void Lost(ILogger logger, string partitions);

    [LoggerMessage(EventId = 6, EventName = "LaneOpened", Level = LogLevel.Information,
        Message = "Partition {Topic}/{Partition} opened: resuming at offset {NextOffset} with {OpenWindows} open window(s); {Orphans} orphan file(s) removed")]
    public static partial void LaneOpened(ILogger logger, string topic, int partition, long nextOffset, int openWindows, int orphans);

    [LoggerMessage(EventId = 39, EventName = "LaneOpenedWithoutCheckpoint", Level = LogLevel.Information,
        Message = "Partition {Topic}/{Partition} opened: no checkpoint yet, starting at the log's earliest offset; {Orphans} orphan file(s) removed")]
    public static partial void LaneOpenedWithoutCheckpoint(ILogger logger, string topic, int partition, int orphans);

    // Every commit, at Debug; at Information, CommitsSummarized sums them per partition (Pipeline:Processor:CommitLogInterval).
    [LoggerMessage(EventId = 7, EventName = "BatchCommitted", Level = LogLevel.Debug,
        Message = "Partition {Topic}/{Partition}: committed offsets [{FirstOffset}, {NextOffset}): {Rows} row(s) in {Files} file(s), {Windows} window(s) closed")]
    public static partial void BatchCommitted(ILogger logger, string topic, int partition, long firstOffset, long nextOffset, long rows, int files, int windows);

    [LoggerMessage(EventId = 25, EventName = "CommitsSummarized", Level = LogLevel.Information,
        Message = "Partition {Topic}/{Partition}: {Commits} commit(s) of offsets [{FirstOffset}, {NextOffset}): {Rows} row(s) in {Files} file(s), {Windows} window(s) closed")]
    public static partial void CommitsSummarized(ILogger logger, string topic, int partition, int commits, long firstOffset, long nextOffset, long rows, int files, int windows);

    [LoggerMessage(EventId = 8, EventName = "OffsetCommitFailed", Level = LogLevel.Warning,
        Message = "Partition {Topic}/{Partition}: committing offset {Offset} to Kafka failed ({Reason}); the checkpoint holds it")]
    public static partial void OffsetCommitFailed(ILogger logger, string topic, int partition, long offset, string reason);

    [LoggerMessage(EventId = 40, EventName = "OffsetHintDropped", Level = LogLevel.Debug,
        Message = "Partition {Topic}/{Partition}: offset hint {Offset} dropped, the partition is no longer assigned; the checkpoint holds it")]
    public static partial void OffsetHintDropped(ILogger logger, string topic, int partition, long offset);

    [LoggerMessage(EventId = 41, EventName = "TopicCreated", Level = LogLevel.Information,
        Message = "Created the missing output topic {Topic} with {Partitions} partition(s), replication factor {ReplicationFactor} (-1: the cluster's default)")]
    public static partial void TopicCreated(ILogger logger, string topic, int partitions, short replicationFactor);

    [LoggerMessage(EventId = 42, EventName = "OutputOff", Level = LogLevel.Information,
        Message = "The {Output} output is off ({Setting}=none): {Consequence}")]
    public static partial void OutputOff(ILogger logger, string output, string setting, string consequence);

    [LoggerMessage(EventId = 9, EventName = "Rejected", Level = LogLevel.Debug,
        Message = "Message {Topic}/{Partition}@{Offset} rejected: {Reason}")]
    public static partial void Rejected(ILogger logger, string topic, int partition, long offset, string? reason);

    [LoggerMessage(EventId = 10, EventName = "LateEvent", Level = LogLevel.Debug,
        Message = "Late event at partition {Partition} offset {Offset}: event time {EventTime:o} behind watermark {Watermark:o}; written raw, not aggregated")]
    public static partial void LateEvent(ILogger logger, int partition, long offset, DateTime eventTime, DateTime? watermark);

    [LoggerMessage(EventId = 11, EventName = "KeyInTwoPartitions", Level = LogLevel.Warning,
        Message = "Id {Id} seen in partition {Partition} after partition {Owner}: its aggregates are split (is the producer keying by id?)")]
    public static partial void KeyInTwoPartitions(ILogger logger, int id, int owner, int partition);

    [LoggerMessage(EventId = 12, EventName = "SinkFailed", Level = LogLevel.Error,
        Message = "Writing partition {Topic}/{Partition} failed: {Reason}. Consumption paused and offsets not committed until the output is writable again")]
    public static partial void SinkFailed(ILogger logger, Exception exception, string topic, int partition, string reason);

    [LoggerMessage(EventId = 13, EventName = "SinkRecovered", Level = LogLevel.Information,
        Message = "Output writable again; consumption resumed")]
    public static partial void SinkRecovered(ILogger logger);

    [LoggerMessage(EventId = 14, EventName = "RevokeCommitFailed", Level = LogLevel.Warning,
        Message = "Partition {Topic}/{Partition}: final commit failed; the next owner replays from the last checkpoint")]
    public static partial void RevokeCommitFailed(ILogger logger, Exception exception, string topic, int partition);

    [LoggerMessage(EventId = 15, EventName = "ConsumeFailed", Level = LogLevel.Warning,
        Message = "Consume failed: {Reason}")]
    public static partial void ConsumeFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 16, EventName = "CheckpointConflict", Level = LogLevel.Warning,
        Message = "Partition {Topic}/{Partition}: its checkpoint was written by another owner, so this batch was not committed; the lane is dropped as if the partition were lost")]
    public static partial void CheckpointConflict(ILogger logger, Exception exception, string topic, int partition);

    [LoggerMessage(EventId = 17, EventName = "AssignmentWaiting", Level = LogLevel.Warning,
        Message = "Partition {Topic}/{Partition} was assigned while the output fails ({Reason}); opening it again for up to {Limit}")]
    public static partial void AssignmentWaiting(ILogger logger, Exception exception, string topic, int partition, string reason, TimeSpan limit);

    [LoggerMessage(EventId = 19, EventName = "BatchAbandoned", Level = LogLevel.Information,
        Message = "Partition {Topic}/{Partition}: removed the {Files} file(s) of its batch that will not be committed here")]
    public static partial void BatchAbandoned(ILogger logger, string topic, int partition, int files);

    [LoggerMessage(EventId = 20, EventName = "AbandonFailed", Level = LogLevel.Warning,
        Message = "Partition {Topic}/{Partition}: the files of its uncommitted batch could not all be removed ({Reason}); they stay beyond the checkpoint until the partition's next assignment")]
    public static partial void AbandonFailed(ILogger logger, Exception exception, string topic, int partition, string reason);

    [LoggerMessage(EventId = 21, EventName = "ResultsFailed", Level = LogLevel.Error,
        Message = "Partition {Topic}/{Partition}: its dead-letter/window messages were not acknowledged ({Reason}). This partition is paused and its batch retried with backoff; the other partitions go on")]
    public static partial void ResultsFailed(ILogger logger, Exception exception, string topic, int partition, string reason);

    [LoggerMessage(EventId = 22, EventName = "ResultsRecovered", Level = LogLevel.Information,
        Message = "Partition {Topic}/{Partition}: its results were acknowledged and its batch committed; consuming it again")]
    public static partial void ResultsRecovered(ILogger logger, string topic, int partition);

    [LoggerMessage(EventId = 23, EventName = "OffsetsLost", Level = LogLevel.Warning,
        Message = "Partition {Topic}/{Partition}: offsets {FirstLost} to {LastLost} ({Lost}) were deleted from the log (retention) before they were processed; {Action}")]
    public static partial void OffsetsLost(ILogger logger, string topic, int partition, long firstLost, long lastLost, long lost, string action);

    [LoggerMessage(EventId = 24, EventName = "StartUnchecked", Level = LogLevel.Warning,
        Message = "Partition {Topic}/{Partition}: its leader did not give its log's offsets within {Timeout}; resuming at the checkpoint's offset {NextOffset} unchecked")]
    public static partial void StartUnchecked(ILogger logger, string topic, int partition, long nextOffset, TimeSpan timeout);

    [LoggerMessage(EventId = 43, EventName = "PartitionCompacted", Level = LogLevel.Debug,
        Message = "Compacted {Topic}[{Partition}] below offset {Boundary}: {Inputs} files into {Files} ({Bytes} bytes)")]
    public static partial void PartitionCompacted(ILogger logger, string topic, int partition, long boundary, int inputs, int files, long bytes);

    [LoggerMessage(EventId = 44, EventName = "CompactionFailed", Level = LogLevel.Warning,
        Message = "Compaction of {Topic}[{Partition}] failed, retried at the next interval (the batches still commit): {Reason}")]
    public static partial void CompactionFailed(ILogger logger, Exception exception, string topic, int partition, string reason);

    [LoggerMessage(EventId = 45, EventName = "CompactionRefused", Level = LogLevel.Information,
        Message = "Compaction of {Topic}[{Partition}] not committed: its checkpoint is no longer this lane's version (a save in between, or a new owner; the next save tells)")]
    public static partial void CompactionRefused(ILogger logger, string topic, int partition);

    [LoggerMessage(EventId = ProcessorLogEvents.WindowUpdateId, EventName = ProcessorLogEvents.WindowUpdateName, Level = LogLevel.Information,
        Message = "{Table}")]
    public static partial void WindowUpdate(ILogger logger, string table);
}
