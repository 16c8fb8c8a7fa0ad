using System.Diagnostics;
using Microsoft.Extensions.Options;
using Pipeline.ServiceDefaults.Telemetry;
using Pipeline.StreamProcessor.Checkpointing;
using Pipeline.StreamProcessor.Sinks;
using Pipeline.StreamProcessor.Telemetry;
using Pipeline.StreamProcessor.Windowing;

namespace Pipeline.StreamProcessor.Processing;

/// <summary>
/// Commits a lane's batches, in the order that makes output exactly once:
/// 1. seal the batch (<see cref="Seal"/>): close the windows the watermark has passed and fix the batch's rows, closed
///    windows and next checkpoint; the lane goes on with the next batch while
/// 2. the batch's Parquet files are written in the background (temporary names, flushed, renamed to deterministic names);
/// 3. then, on the lane's thread (<see cref="CompleteAsync"/>), closed windows are published and every dead-letter and
///    window message is acknowledged;
/// 4. the partition checkpoint (next offset + open windows) is replaced atomically, only if it is still the version the
///    lane read or last wrote (otherwise another owner has the partition: <see cref="CheckpointConflictException"/>);
/// 5. the offset goes to the source (Kafka's commit), for lag and tooling only: the checkpoint is the truth.
/// At most one batch per lane is in flight, so checkpoints replace each other in offset order. A crash before 4 leaves
/// files at or beyond the checkpoint's offset: they are orphans, deleted when the partition is next assigned, and the
/// batch is replayed to the same names.
/// </summary>
internal sealed class BatchCommitter(
    ParquetBatchWriter writer,
    CheckpointStore checkpoints,
    IResultPublisher publisher,
    ProcessorTelemetry telemetry,
    IOptions<ProcessorOptions> options,
    TimeProvider timeProvider,
    ILogger<BatchCommitter> logger)
{
    /// <summary>
    /// Commits the lane completely, here and now: the batch in flight, then the open batch, if it holds messages or
    /// closed windows; returns whether there was anything to commit (for revoke, stop, and a failing sink's retry).
    /// </summary>
    public async Task<bool> CommitAsync(PartitionLane lane, IMessageSource source, CancellationToken cancellationToken)
    {
        var committed = false;
        if (lane.InFlight is not null)
        {
            await CompleteAsync(lane, source, cancellationToken);
            committed = true;
        }

        if (Seal(lane, source))
        {
            await CompleteAsync(lane, source, cancellationToken);
            committed = true;
        }

        return committed;
    }

    /// <summary>
    /// Seals the lane's open batch and starts writing its files in the background; false when it holds neither
    /// messages nor closed windows. The lane must have no batch in flight.
    /// </summary>
    /// <remarks><paramref name="source"/> says whether the lane has read all there is (idle windows).</remarks>
    public bool Seal(PartitionLane lane, IMessageSource source)
    {
        if (lane.InFlight is not null)
        {
            throw new InvalidOperationException($"Partition {lane.Partition} already has a batch in flight.");
        }

        lane.Windows.AdvanceIdle(source.IsCaughtUp(lane.Partition, lane.NextOffset));
        var closed = new List<WindowAggregate>();
        lane.Windows.DrainClosed(closed);
        if (lane.BatchMessages == 0 && closed.Count == 0)
        {
            return false;
        }

        var open = new List<WindowAggregate>();
        lane.Windows.SnapshotOpen(open);
        var checkpoint = new PartitionCheckpoint(
            lane.Topic, lane.Partition, lane.NextOffset, lane.Windows.MaxEventTime, lane.Windows.Watermark, open, lane.Windows.LateEvents);
        var now = timeProvider.GetTimestamp();
        var firstOffset = lane.BatchFirstOffset;
        var messages = lane.BatchMessages;
        var oldest = lane.OldestKafkaTimestamp;
        var links = lane.TakeTraceLinks();
        var batch = new SealedBatch(lane.TakeBatch(now), closed, checkpoint, firstOffset, messages, oldest, now) { TraceLinks = links };
        lane.InFlight = batch;
        StartWrite(lane, batch);
        return true;
    }

    /// <summary>
    /// Finishes the lane's batch in flight: waits for its files (writing them again if a previous attempt failed),
    /// then publishes its windows, saves its checkpoint and hands its offset to the source. On a failure the batch stays
    /// in flight, unchanged, for the retry.
    /// </summary>
    /// <exception cref="CheckpointConflictException">Another owner wrote the checkpoint: no offset hint, the lane must stop.</exception>
    public async Task CompleteAsync(PartitionLane lane, IMessageSource source, CancellationToken cancellationToken)
    {
        var batch = lane.InFlight ?? throw new InvalidOperationException($"Partition {lane.Partition} has no batch in flight.");
        var write = batch.Write ?? StartWrite(lane, batch);

        // A settle span in the conventions' shape (commit {topic}, kind Client): it makes the batch durable and
        // commits its offset, from the moment it was sealed. As the conventions do for a batch, it links the producers'
        // spans (creation contexts) of the batch's messages, the first PartitionLane.MaxTraceLinks that had one, so every
        // batch is reachable from the traces of its messages when most have no process span of their own. Built once per
        // batch, so its name is not cached.
        using var activity = ProcessorTelemetry.ActivitySource.StartActivity(
            ProcessorTelemetry.Spans.Commit(lane.Topic), ActivityKind.Client, parentContext: default, links: batch.TraceLinks,
            startTime: timeProvider.GetUtcNow() - timeProvider.GetElapsedTime(batch.SealedAt));
        if (activity is not null)
        {
            activity.SetTag(PipelineTelemetry.MessagingAttributes.System, PipelineTelemetry.MessagingValues.Kafka);
            activity.SetTag(ProcessorTelemetryNames.Tags.Topic, lane.Topic);
            activity.SetTag(ProcessorTelemetryNames.Tags.Partition, lane.PartitionId);
            activity.SetTag(PipelineTelemetry.MessagingAttributes.ConsumerGroup, options.Value.GroupId);
            activity.SetTag(PipelineTelemetry.MessagingAttributes.OperationName, ProcessorTelemetry.Operations.Commit);
            activity.SetTag(PipelineTelemetry.MessagingAttributes.OperationType, PipelineTelemetry.MessagingValues.OperationTypes.Settle);
            activity.SetTag(PipelineTelemetry.MessagingAttributes.BatchMessageCount, batch.Messages);
        }

        try
        {
            var files = await write.WaitAsync(cancellationToken);
            publisher.PublishWindows(batch.Closed);
            publisher.Flush(options.Value.ProducerFlushTimeout);
            lane.CheckpointVersion = await checkpoints.SaveAsync(batch.Checkpoint, lane.CheckpointVersion, cancellationToken);
            if (batch.NextOffset >= 0)
            {
                source.Commit(lane.Partition, batch.NextOffset);
            }

            Record(lane, batch, files);
            lane.InFlight = null;
            lane.Recycle(batch.Raw);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The retry writes the files again: a failed step may have left them in any state. (The write has
            // finished: only a cancellation, not caught here, leaves it running, to be awaited by the stop.) A refused
            // checkpoint is never retried: the lane is abandoned, and its files with it (Abandon).
            if (ex is not CheckpointConflictException)
            {
                batch.Write = null;
            }

            activity?.SetTag(PipelineTelemetry.MessagingAttributes.ErrorType, ex.GetType().FullName);
            activity?.SetStatus(ActivityStatusCode.Error);
            activity?.AddException(ex);
            throw;
        }
    }

    /// <summary>
    /// Abandons the lane's batch in flight, which will never be committed here (the partition was lost, or its
    /// checkpoint refused): waits for its write and deletes the files it wrote, each only at the version this lane
    /// wrote (<see cref="ParquetBatchWriter.DeleteAbandonedAsync"/>), so that a processor that woke up after losing its
    /// partition leaves no file beyond the new owner's checkpoint. Best effort: a failure is logged, and what stays is
    /// an orphan beyond the checkpoint.
    /// </summary>
    public void Abandon(PartitionLane lane)
    {
        if (lane.InFlight?.Write is not { } write)
        {
            return;
        }

        try
        {
            var files = write.GetAwaiter().GetResult();
            var deleted = writer.DeleteAbandonedAsync(files, CancellationToken.None).GetAwaiter().GetResult();
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
        // The version is fixed while the batch is in flight (its checkpoint is saved only after the write): a
        // conflicting object beyond the checkpoint may be replaced only while the lane still owns that version.
        var topic = lane.Topic;
        var partition = lane.Partition;
        var version = lane.CheckpointVersion;
        Func<CancellationToken, Task> confirmOwnership = ct => checkpoints.ConfirmOwnedAsync(topic, partition, version, ct);
        var write = batch.Messages > 0
            ? Task.Run(() => writer.WriteAsync(topic, partition, batch.FirstOffset, batch.Raw, batch.Closed, CancellationToken.None, confirmOwnership))
            : Task.Run(() => writer.WriteIdleWindowsAsync(topic, partition, Math.Max(batch.NextOffset, 0),
                batch.Checkpoint.Watermark ?? DateTime.MinValue, batch.Closed, CancellationToken.None, confirmOwnership));
        batch.Write = write;
        return write;
    }

    private void Record(PartitionLane lane, SealedBatch batch, BatchFiles files)
    {
        var topic = new KeyValuePair<string, object?>(ProcessorTelemetryNames.Tags.Topic, lane.Topic);
        telemetry.RowsCommitted.Add(files.RawRows, topic);
        telemetry.FilesCommitted.Add(files.FileCount, topic);
        telemetry.BytesWritten.Add(files.Bytes, topic);
        telemetry.WindowsEmitted.Add(batch.Closed.Count, topic);
        telemetry.BatchDuration.Record(timeProvider.GetElapsedTime(batch.SealedAt).TotalMilliseconds, topic);
        if (batch.OldestKafkaTimestamp != DateTime.MaxValue)
        {
            telemetry.CommitLatency.Record((timeProvider.GetUtcNow().UtcDateTime - batch.OldestKafkaTimestamp).TotalMilliseconds, topic);
        }

        Log.BatchCommitted(logger, lane.Topic, lane.Partition, batch.Messages > 0 ? batch.FirstOffset : -1, batch.NextOffset,
            files.RawRows, files.FileCount, batch.Closed.Count);
    }
}
