using Microsoft.Extensions.Options;
using Pipeline.StreamProcessor.Checkpointing;
using Pipeline.StreamProcessor.Storage;
using Pipeline.StreamProcessor.Windowing;

namespace Pipeline.StreamProcessor.Processing;

/// <summary>
/// Builds the lane of a newly assigned partition from its checkpoint: fences the previous owner, deletes the
/// orphans of a batch whose checkpoint never landed, restores the open windows, and says where to resume. Without
/// a checkpoint (a new RUN_ID) the partition starts from the earliest offset, whatever the group committed before.
/// </summary>
/// <remarks>
/// The fence: the checkpoint is written again (created at offset 0 when there is none) before anything else, so
/// its version changes and a processor that lost the partition without noticing (paused, cut off) has its next
/// checkpoint save refused (<see cref="CheckpointConflictException"/>) and stops its lane, even one that had never
/// saved. Only then are orphans removed: whatever that processor writes later lies beyond a checkpoint it can no
/// longer move. In a local folder the version is the content's hash, so rewriting an existing checkpoint with the
/// same bytes fences nothing (creating one for a fresh partition does); a folder is one machine's, and its
/// processors hand partitions over through Kafka's rebalance.
/// </remarks>
internal sealed class LaneFactory(
    CheckpointStore checkpoints,
    OrphanCleaner orphans,
    IOptions<WindowingOptions> windowing,
    TimeProvider timeProvider,
    ILogger<LaneFactory> logger)
{
    /// <summary>How often the fence is tried again when the previous owner saved between this lane's read and its fence.</summary>
    private const int FenceAttempts = 5;

    /// <summary>Opens the lane; <c>StartAt</c> is the checkpoint's next offset, or null for the earliest offset.</summary>
    /// <exception cref="CheckpointConflictException">The checkpoint changed under every one of <see cref="FenceAttempts"/> fences.</exception>
    public async Task<(PartitionLane Lane, long? StartAt)> OpenAsync(string topic, int partition, CancellationToken cancellationToken)
    {
        var (checkpoint, fenced) = await FenceAsync(topic, partition, cancellationToken);
        var nextOffset = checkpoint?.NextOffset ?? -1;
        var deleted = await orphans.DeleteOrphansAsync(topic, partition, checkpoint, cancellationToken);
        var windows = checkpoint is null
            ? new PartitionWindows(windowing.Value, timeProvider)
            : PartitionWindows.Restore(windowing.Value, timeProvider, checkpoint.MaxEventTime, checkpoint.Watermark, checkpoint.OpenWindows, checkpoint.LateEvents);
        var lane = new PartitionLane(topic, partition, windows, nextOffset, timeProvider.GetTimestamp())
        {
            CheckpointVersion = fenced,
        };
        Log.LaneOpened(logger, topic, partition, nextOffset, checkpoint?.OpenWindows.Count ?? 0, deleted);
        return (lane, nextOffset >= 0 ? nextOffset : null);
    }

    /// <summary>
    /// Reads the checkpoint and writes it again at the version read. Kafka hands a partition over before its previous
    /// owner may have noticed, so that owner can still save between the read and the fence: then its checkpoint, a
    /// committed batch further on, is read again and fenced; once the fence lands, it can save no more.
    /// </summary>
    private async Task<(PartitionCheckpoint? Checkpoint, ObjectVersion Version)> FenceAsync(
        string topic, int partition, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var loaded = await checkpoints.LoadVersionedAsync(topic, partition, cancellationToken);
            try
            {
                var checkpoint = loaded?.Checkpoint;
                return (checkpoint, await checkpoints.SaveAsync(checkpoint ?? FreshCheckpoint(topic, partition), loaded?.Version, cancellationToken));
            }
            catch (CheckpointConflictException) when (attempt < FenceAttempts)
            {
            }
        }
    }

    /// <summary>The checkpoint of a partition that has committed nothing: offset 0 (the earliest), no windows.</summary>
    private static PartitionCheckpoint FreshCheckpoint(string topic, int partition) =>
        new(topic, partition, NextOffset: 0, MaxEventTime: null, Watermark: null, OpenWindows: [], LateEvents: 0);
}
