using Pipeline.StreamProcessor.Sinks;

namespace Pipeline.StreamProcessor.Processing;

/// <summary>
/// A partition's checkpoint resumes beyond the end of its log: the topic was deleted and recreated, or truncated, since
/// the run wrote it. Resuming would drop every offset below the checkpoint as a replay, so the processor refuses.
/// </summary>
internal sealed class CheckpointBeyondLogException(string topic, int partition, long checkpointOffset, long highWatermark)
    : Exception(
        $"Partition {topic}/{partition}: its checkpoint resumes at offset {checkpointOffset}, but the partition's log ends at offset " +
        $"{highWatermark} (high watermark): the topic was deleted and recreated, or truncated, since this run wrote the checkpoint. " +
        $"Resuming would drop every message below offset {checkpointOffset} as already processed. Start a new run " +
        $"({SinkOptions.SectionName}:{nameof(SinkOptions.RunId)} or RUN_ID) to read the topic from its start.")
{
    public string Topic { get; } = topic;

    public int Partition { get; } = partition;

    public long CheckpointOffset { get; } = checkpointOffset;

    public long HighWatermark { get; } = highWatermark;
}
