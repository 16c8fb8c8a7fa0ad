using Microsoft.Extensions.Options;
using Pipeline.StreamProcessor.Checkpointing;
using Pipeline.StreamProcessor.Windowing;

namespace Pipeline.StreamProcessor.Processing;

/// <summary>
/// Builds the lane of a newly assigned partition from its checkpoint: deletes the orphans of a batch
/// whose checkpoint never landed, restores the open windows, and says where to resume. Without a
/// checkpoint (a new RUN_ID) the partition starts from the earliest offset, whatever the group
/// committed before.
/// </summary>
internal sealed class LaneFactory(
    CheckpointStore checkpoints,
    OrphanCleaner orphans,
    IOptions<WindowingOptions> windowing,
    TimeProvider timeProvider,
    ILogger<LaneFactory> logger)
{
    /// <summary>Opens the lane; <c>StartAt</c> is the checkpoint's next offset, or null for the earliest offset.</summary>
    public async Task<(PartitionLane Lane, long? StartAt)> OpenAsync(string topic, int partition, CancellationToken cancellationToken)
    {
        var loaded = await checkpoints.LoadVersionedAsync(topic, partition, cancellationToken);
        var checkpoint = loaded?.Checkpoint;
        var nextOffset = checkpoint?.NextOffset ?? -1;
        var deleted = orphans.DeleteOrphans(topic, partition, checkpoint);
        var windows = checkpoint is null
            ? new PartitionWindows(windowing.Value, timeProvider)
            : PartitionWindows.Restore(windowing.Value, timeProvider, checkpoint.MaxEventTime, checkpoint.Watermark, checkpoint.OpenWindows, checkpoint.LateEvents);
        var lane = new PartitionLane(topic, partition, windows, nextOffset, timeProvider.GetTimestamp())
        {
            CheckpointVersion = loaded?.Version,
        };
        Log.LaneOpened(logger, topic, partition, nextOffset, checkpoint?.OpenWindows.Count ?? 0, deleted);
        return (lane, nextOffset >= 0 ? nextOffset : null);
    }
}
