using System.Diagnostics;
using Pipeline.StreamProcessor.Checkpointing;
using Pipeline.StreamProcessor.Sinks;
using Pipeline.StreamProcessor.Windowing;

namespace Pipeline.StreamProcessor.Processing;

/// <summary>
/// A lane's batch once it is due: its raw rows, the windows it closed, and the checkpoint that will describe the
/// partition once its files are in place, all fixed at the moment it was sealed, so the lane can go on consuming the
/// next batch while this one's files are written in the background. Nothing of it changes after sealing, so a failed
/// commit is retried with the same files (same names, same bytes) and the same checkpoint.
/// </summary>
internal sealed class SealedBatch(
    RawEventBatch raw,
    List<WindowAggregate> closed,
    PartitionCheckpoint checkpoint,
    long firstOffset,
    int messages,
    DateTime oldestKafkaTimestamp,
    long sealedAt)
{
    public RawEventBatch Raw { get; } = raw;

    /// <summary>Windows the batch closed: written with it, published once its files are in place.</summary>
    public List<WindowAggregate> Closed { get; } = closed;

    /// <summary>What the partition's checkpoint becomes when the batch commits.</summary>
    public PartitionCheckpoint Checkpoint { get; } = checkpoint;

    /// <summary>The batch's first offset (its files' name); meaningful only when <see cref="Messages"/> &gt; 0.</summary>
    public long FirstOffset { get; } = firstOffset;

    /// <summary>Messages consumed by the batch (rejected ones too); 0 for windows an idle partition's clock closed.</summary>
    public int Messages { get; } = messages;

    /// <summary>The first offset after the batch; -1 when a fresh partition has consumed nothing yet.</summary>
    public long NextOffset => Checkpoint.NextOffset;

    public DateTime OldestKafkaTimestamp { get; } = oldestKafkaTimestamp;

    /// <summary><see cref="TimeProvider.GetTimestamp"/> when the batch was sealed: the commit's start.</summary>
    public long SealedAt { get; } = sealedAt;

    /// <summary>The producers' contexts its commit span links (<see cref="PartitionLane.TakeTraceLinks"/>), or null.</summary>
    public IReadOnlyList<ActivityLink>? TraceLinks { get; init; }

    /// <summary>
    /// <see cref="TimeProvider.GetTimestamp"/> when its windows were published (once: a retry publishes again only what
    /// the broker refused), restarted by each retry; null before. The results' acknowledgement is awaited from then.
    /// </summary>
    public long? ResultsPublishedAt { get; set; }

    /// <summary>The lane's results mark once its windows are published (<see cref="IResultPublisher.PublishWindows"/>).</summary>
    public long ResultsMark { get; set; }

    /// <summary>The files' write, running in the background; null before it starts and after a failed commit.</summary>
    public Task<BatchFiles>? Write { get; set; }
}
