using Microsoft.Extensions.Options;
using Pipeline.StreamProcessor.Checkpointing;
using Pipeline.StreamProcessor.Sinks;
using Pipeline.StreamProcessor.Windowing;

namespace Pipeline.StreamProcessor.Processing;

/// <summary>
/// Builds the lane of a newly assigned partition from its checkpoint: fences the previous owner, deletes the
/// orphans of a batch whose checkpoint never landed, restores the open windows, and says where to resume. Without
/// a checkpoint (a new RUN_ID) the partition starts from the earliest offset, whatever the group committed before.
/// </summary>
/// <remarks>
/// The fence (<see cref="PartitionOwnership.FenceAsync"/>): the checkpoint is written again (created at offset 0 when
/// there is none) before anything else, so its version changes and a processor that lost the partition without
/// noticing (paused, cut off) has its next checkpoint save refused (<see cref="CheckpointConflictException"/>) and
/// stops its lane, even one that had never saved. Only then are orphans removed: whatever that processor writes later
/// lies beyond a checkpoint it can no longer move.
/// </remarks>
internal sealed class LaneFactory(
    CheckpointStore checkpoints,
    OrphanCleaner orphans,
    IOptions<WindowingOptions> windowing,
    IOptions<SinkOptions> sink,
    TimeProvider timeProvider,
    ILogger<LaneFactory> logger)
{
    /// <summary>Opens the lane; <c>StartAt</c> is the checkpoint's next offset, or null for the earliest offset.</summary>
    /// <exception cref="CheckpointConflictException">The checkpoint changed under every fence (<see cref="PartitionOwnership.FenceAsync"/>).</exception>
    public async Task<(PartitionLane Lane, long? StartAt)> OpenAsync(string topic, int partition, CancellationToken cancellationToken)
    {
        var (ownership, checkpoint) = await PartitionOwnership.FenceAsync(checkpoints, topic, partition, cancellationToken);
        var nextOffset = checkpoint?.NextOffset ?? -1;
        var deleted = await orphans.DeleteOrphansAsync(topic, partition, checkpoint, cancellationToken);
        var windows = checkpoint is null
            ? new PartitionWindows(windowing.Value, timeProvider)
            : PartitionWindows.Restore(windowing.Value, timeProvider, checkpoint.MaxEventTime, checkpoint.Watermark, checkpoint.OpenWindows, checkpoint.LateEvents);
        var trigger = new BatchTrigger(sink.Value.MaxBatchRows, sink.Value.TriggerInterval, timeProvider.TimestampFrequency);
        var lane = new PartitionLane(topic, partition, windows, nextOffset, timeProvider.GetTimestamp(), trigger)
        {
            Ownership = ownership,
        };
        if (checkpoint is null)
        {
            Log.LaneOpenedWithoutCheckpoint(logger, topic, partition, deleted);
        }
        else
        {
            Log.LaneOpened(logger, topic, partition, nextOffset, checkpoint.OpenWindows.Count, deleted);
        }

        return (lane, nextOffset >= 0 ? nextOffset : null);
    }
}
