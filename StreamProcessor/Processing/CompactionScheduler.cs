using Microsoft.Extensions.Options;
using Pipeline.StreamProcessor.Checkpointing;
using Pipeline.StreamProcessor.Sinks;
using Pipeline.StreamProcessor.Telemetry;

namespace Pipeline.StreamProcessor.Processing;

/// <summary>
/// Starts a lane's compaction (<see cref="ParquetCompactor"/>) after one of its commits, once
/// <see cref="SinkOptions.CompactionInterval"/> has passed since its last one (on the engine's clock), in the background
/// like its batch writes, at most one per lane. Below the lane's last saved checkpoint everything is committed, so that
/// is the compaction's boundary. A compaction that fails is logged and tried again at the next interval: the batches
/// still commit, so it never fails the lane or the sink's health. One refused because the checkpoint moved is simply not
/// committed: if another owner took the partition, the lane's next save is refused and the lane is dropped as always.
/// </summary>
internal sealed class CompactionScheduler(
    ParquetCompactor compactor,
    ProcessorTelemetry instruments,
    IOptions<SinkOptions> sink,
    TimeProvider timeProvider,
    ILogger<CompactionScheduler> logger)
{
    private readonly TimeSpan _interval = sink.Value.CompactionInterval;

    // One compaction at a time across the lanes: each holds up to two row groups per column in memory and keeps a core
    // busy, and it is an optimisation that may wait; three at once at 50,000 events/s took the peak working set from
    // 138 MB to 374 MB.
    private readonly SemaphoreSlim _oneAtATime = new(1, 1);

    /// <summary>Starts the lane's compaction if it is due; call after the lane committed a batch.</summary>
    public void StartIfDue(PartitionLane lane)
    {
        ArgumentNullException.ThrowIfNull(lane);
        var now = timeProvider.GetTimestamp();
        if (_interval <= TimeSpan.Zero
            || lane.CommittedNextOffset <= 0
            || lane.Compaction is { IsCompleted: false }
            || timeProvider.GetElapsedTime(lane.CompactionStartedAt, now) < _interval)
        {
            return;
        }

        var boundary = lane.CommittedNextOffset;
        lane.StartCompaction(stop => CompactAsync(lane, boundary, stop), now);
    }

    private async Task CompactAsync(PartitionLane lane, long boundary, CancellationToken stop)
    {
        try
        {
            await _oneAtATime.WaitAsync(stop);
            CompactionResult result;
            try
            {
                result = await compactor.CompactAsync(lane.Ownership, boundary, stop);
            }
            finally
            {
                _oneAtATime.Release();
            }

            if (result.FilesWritten == 0)
            {
                return;
            }

            var topic = new KeyValuePair<string, object?>(ProcessorTelemetryNames.Tags.Topic, lane.Topic);
            instruments.FilesCompacted.Add(result.InputsReplaced, topic);
            instruments.CompactedBytes.Add(result.BytesWritten, topic);
            Log.PartitionCompacted(logger, lane.Topic, lane.Partition, boundary, result.InputsReplaced, result.FilesWritten, result.BytesWritten);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The lane is going: nothing was committed that is not complete.
        }
        catch (CheckpointConflictException)
        {
            Log.CompactionRefused(logger, lane.Topic, lane.Partition);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Whatever it is (a storage failure, a blob read refused because the blob changed, a file it cannot parse), it
            // is an optimisation that failed: the batches still commit, the inputs stay live, and the next interval retries.
            Log.CompactionFailed(logger, ex, lane.Topic, lane.Partition, ex.Message);
        }
    }
}
