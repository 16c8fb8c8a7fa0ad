using Microsoft.Extensions.Options;
using Pipeline.StreamProcessor.Checkpointing;
using Pipeline.StreamProcessor.Reporting;
using Pipeline.StreamProcessor.Sinks;

namespace Pipeline.StreamProcessor.Processing;

/// <summary>
/// Commits a lane's batches, in the order that makes output exactly once:
/// 1. the lane seals the batch (<see cref="PartitionLane.Seal"/>, through <see cref="StartBatch"/>): closes the windows
///    the watermark has passed and fixes the batch's rows, closed windows and next checkpoint; the lane goes on with
///    the next batch while
/// 2. the batch's Parquet files are written in the background (temporary names, flushed, renamed to deterministic names);
/// 3. then, on the lane's thread (<see cref="CompleteAsync"/>), closed windows are published (once) and every dead-letter
///    and window message of this lane is acknowledged, without blocking the other lanes while they are in flight;
/// 4. the partition checkpoint (next offset + open windows) is replaced atomically, only if it is still the version the
///    lane read or last wrote (otherwise another owner has the partition: <see cref="CheckpointConflictException"/>);
/// 5. the offset goes to the source (Kafka's commit), for lag and tooling only: the checkpoint is the truth;
/// 6. once a compaction interval, for a lane that goes on, the partition's committed small files are merged in the
///    background (<see cref="CompactionScheduler"/>): everything below the checkpoint just saved is immutable.
/// At most one batch per lane is in flight, so checkpoints replace each other in offset order. A crash before 4 leaves
/// files at or beyond the checkpoint's offset: they are orphans, deleted when the partition is next assigned, and the
/// batch is replayed to the same names.
/// </summary>
internal sealed class BatchCommitter(
    ParquetBatchWriter writer,
    IResultPublisher publisher,
    CompactionScheduler compactions,
    ProcessingTelemetry telemetry,
    IOptions<ProcessorOptions> options,
    TimeProvider timeProvider,
    ILogger<BatchCommitter> logger)
{
    /// <summary>
    /// Commits the lane completely, here and now: the batch in flight, then the open batch, if it holds messages or
    /// closed windows; returns whether there was anything to commit (for revoke and stop). Waits up to
    /// <see cref="ProcessorOptions.ProducerFlushTimeout"/> for each batch's results.
    /// </summary>
    /// <remarks><c>caughtUpAsOf</c>: when the broker last confirmed the lane has read all there is, if it did (idle windows).</remarks>
    /// <exception cref="TimeoutException">A batch's results were not acknowledged in time.</exception>
    public async Task<bool> CommitAsync(PartitionLane lane, IMessageSource source, long? caughtUpAsOf, CancellationToken cancellationToken)
    {
        var committed = false;
        if (lane.InFlight is not null)
        {
            await CompleteNowAsync(lane, source, cancellationToken);
            committed = true;
        }

        if (StartBatch(lane, caughtUpAsOf))
        {
            await CompleteNowAsync(lane, source, cancellationToken);
            committed = true;
        }

        return committed;
    }

    /// <summary>
    /// Seals the lane's open batch (<see cref="PartitionLane.Seal"/>) and starts writing its files in the background;
    /// false when it holds neither messages nor closed windows. The lane must have no batch in flight.
    /// </summary>
    /// <remarks>
    /// <c>caughtUpAsOf</c>: when the broker last confirmed the partition holds nothing beyond the lane's position (null if it
    /// did not lately): only up to then may an idle partition's watermark advance with the clock. The engine decides it (<see cref="PartitionProber"/>);
    /// the committer never asks the transport.
    /// </remarks>
    public bool StartBatch(PartitionLane lane, long? caughtUpAsOf)
    {
        if (lane.Seal(caughtUpAsOf, timeProvider.GetTimestamp()) is not { } batch)
        {
            return false;
        }

        StartWrite(lane, batch);
        return true;
    }

    /// <summary>
    /// Moves the lane's batch in flight on: waits for its files (writing them again if a previous attempt failed),
    /// publishes its windows (once), and once the lane's results up to the batch's mark (its dead letters and windows)
    /// are acknowledged saves its checkpoint and hands its offset to the source. Returns false, with nothing else done, while the results are still in flight
    /// after <paramref name="resultsWait"/>: the engine comes back at its next trigger check, and the other lanes go on
    /// meanwhile. On a failure the batch stays in flight, unchanged, for the retry.
    /// </summary>
    /// <exception cref="TimeoutException">
    /// The lane's results were not acknowledged within <see cref="ProcessorOptions.ProducerFlushTimeout"/> of their
    /// publication (a sink failure of this lane only).
    /// </exception>
    /// <exception cref="ResultPublishException">A results message of the lane was refused; the retry publishes it again.</exception>
    /// <exception cref="CheckpointConflictException">Another owner wrote the checkpoint: no offset hint, the lane must stop.</exception>
    /// <remarks>
    /// Once the checkpoint is saved, the partition's compaction starts if it is due: here, for a lane that goes on, and
    /// not after the last commits of a revoke or a stop (<see cref="CommitAsync"/>), which would only cancel it.
    /// </remarks>
    public async Task<bool> CompleteAsync(PartitionLane lane, IMessageSource source, TimeSpan resultsWait, CancellationToken cancellationToken)
    {
        if (!await CompleteInFlightAsync(lane, source, resultsWait, cancellationToken))
        {
            return false;
        }

        compactions.StartIfDue(lane);
        return true;
    }

    private async Task<bool> CompleteInFlightAsync(PartitionLane lane, IMessageSource source, TimeSpan resultsWait, CancellationToken cancellationToken)
    {
        var batch = lane.InFlight ?? throw new InvalidOperationException($"Partition {lane.Partition} has no batch in flight.");
        var write = batch.Write ?? StartWrite(lane, batch);
        BatchFiles files;
        try
        {
            files = await write.WaitAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The retry writes the files again: a failed write may have left them in any state. (Only a cancellation,
            // not caught here, leaves the write running, to be awaited by the stop.)
            batch.Write = null;
            throw;
        }

        if (batch.ResultsPublishedAt is null)
        {
            batch.ResultsMark = publisher.PublishWindows(lane.Partition, batch.Closed);
            batch.ResultsPublishedAt = timeProvider.GetTimestamp();
        }

        if (!ResultsConfirmed(lane, batch, resultsWait))
        {
            return false;
        }

        using var activity = telemetry.StartCommit(lane, batch);
        try
        {
            await lane.Ownership.SaveAsync(batch.Checkpoint, cancellationToken);
            if (batch.NextOffset >= 0)
            {
                source.Commit(lane.Partition, batch.NextOffset);
            }

            Record(lane, batch, files);
            lane.Completed(batch);
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The retry writes the files again: a failed checkpoint save may have left them in any state. A refused
            // checkpoint is never retried: the lane is abandoned, and its files with it (Abandon).
            if (ex is not CheckpointConflictException)
            {
                batch.Write = null;
            }

            ProcessingTelemetry.CommitFailed(activity, ex);
            throw;
        }
    }

    /// <summary>Completes the batch in flight, waiting for its results up to the flush timeout; throws when they do not come.</summary>
    private async Task CompleteNowAsync(PartitionLane lane, IMessageSource source, CancellationToken cancellationToken)
    {
        var timeout = options.Value.ProducerFlushTimeout;
        if (!await CompleteInFlightAsync(lane, source, timeout, cancellationToken))
        {
            throw ResultsTimeout(lane, timeout);
        }
    }

    /// <summary>
    /// Whether the lane's results are all acknowledged, waiting at most <paramref name="wait"/> (real time: the
    /// producer's reports come from its own thread). Throws once they have been outstanding for the flush timeout since
    /// their publication or last retry, which then counts again from now.
    /// </summary>
    private bool ResultsConfirmed(PartitionLane lane, SealedBatch batch, TimeSpan wait)
    {
        bool confirmed;
        try
        {
            confirmed = publisher.TryConfirm(lane.Partition, batch.ResultsMark, wait);
        }
        catch (ResultPublishException)
        {
            batch.ResultsPublishedAt = timeProvider.GetTimestamp();
            throw;
        }

        var timeout = options.Value.ProducerFlushTimeout;
        if (confirmed || timeProvider.GetElapsedTime(batch.ResultsPublishedAt ?? 0) < timeout)
        {
            return confirmed;
        }

        batch.ResultsPublishedAt = timeProvider.GetTimestamp();
        throw ResultsTimeout(lane, timeout);
    }

    private static TimeoutException ResultsTimeout(PartitionLane lane, TimeSpan timeout) =>
        new($"Dead-letter/window message(s) of partition {lane.Topic}/{lane.Partition} not acknowledged within {timeout}.");

    /// <summary>
    /// Abandons the lane's batch in flight, which will never be committed here (the partition was lost, or its
    /// checkpoint refused): waits for its write and deletes the files it wrote, each only at the version this lane
    /// wrote (<see cref="PartitionOwnership.AbandonAsync"/>), so that a processor that woke up after losing its
    /// partition leaves no file beyond the new owner's checkpoint. Best effort: a failure is logged, and what stays is
    /// an orphan beyond the checkpoint.
    /// </summary>
    public async Task AbandonAsync(PartitionLane lane)
    {
        if (lane.InFlight?.Write is not { } write)
        {
            return;
        }

        try
        {
            var files = await write;
            var deleted = await lane.Ownership.AbandonAsync([.. files.All.Select(static f => (f.Name, f.Version))], CancellationToken.None);
            if (deleted > 0)
            {
                Log.BatchAbandoned(logger, lane.Topic, lane.Partition, deleted);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CheckpointConflictException)
        {
            // The write itself failed (its finished files are unknown), or the deletes did.
            Log.AbandonFailed(logger, ex, lane.Topic, lane.Partition, ex.Message);
        }
    }

    private Task<BatchFiles> StartWrite(PartitionLane lane, SealedBatch batch)
    {
        // A batch without messages only carries windows the clock closed (idle partition): its file is named by the
        // next offset and the watermark it is checkpointed with. The write runs off the lane's thread, which goes on
        // decoding and aggregating the next batch meanwhile; the batch's buffers are not touched until it completes.
        // The owned version is fixed while the batch is in flight (its checkpoint is saved only after the write): a
        // conflicting object beyond the checkpoint may be replaced only while the lane still owns that version.
        var topic = lane.Topic;
        var partition = lane.Partition;
        var ownership = lane.Ownership;
        var write = batch.Messages > 0
            ? Task.Run(() => writer.WriteAsync(topic, partition, batch.FirstOffset, batch.Raw, batch.Closed, CancellationToken.None, ownership))
            : Task.Run(() => writer.WriteIdleWindowsAsync(topic, partition, Math.Max(batch.NextOffset, 0),
                batch.Checkpoint.Watermark ?? DateTime.MinValue, batch.Closed, CancellationToken.None, ownership));
        batch.Write = write;
        return write;
    }

    private void Record(PartitionLane lane, SealedBatch batch, BatchFiles files)
    {
        telemetry.Committed(lane, batch, files);
        var commit = new CommitFacts(batch.Messages > 0 ? batch.FirstOffset : -1, batch.NextOffset, batch.Messages,
            files.RawRows, files.FileCount, batch.Closed.Count, timeProvider.GetElapsedTime(batch.SealedAt), timeProvider.GetUtcNow());
        Log.BatchCommitted(logger, lane.Topic, lane.Partition, commit.FirstOffset, commit.NextOffset, commit.Rows, commit.Files, commit.Windows);
        if (lane.Progress.RecordCommit(in commit, timeProvider.GetTimestamp(), options.Value.CommitLogInterval, timeProvider, out var summary))
        {
            Log.CommitsSummarized(logger, lane.Topic, lane.Partition, summary.Commits, summary.FirstOffset, summary.NextOffset,
                summary.Rows, summary.Files, summary.Windows);
        }
    }
}
