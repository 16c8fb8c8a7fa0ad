using System.Diagnostics;
using Microsoft.Extensions.Options;
using Pipeline.ServiceDefaults.Telemetry;
using Pipeline.StreamProcessor.Checkpointing;
using Pipeline.StreamProcessor.Sinks;
using Pipeline.StreamProcessor.Telemetry;
using Pipeline.StreamProcessor.Windowing;

namespace Pipeline.StreamProcessor.Processing;

/// <summary>
/// Commits one lane's open batch, in the order that makes output exactly once:
/// 1. close the windows the watermark has passed;
/// 2. write the batch's Parquet files (temporary names, flushed, renamed to deterministic names);
/// 3. publish closed windows and wait for every dead-letter and window message to be acknowledged;
/// 4. replace the partition checkpoint (next offset + open windows) atomically;
/// 5. hand the offset to the source (Kafka's commit), for lag and tooling only: the checkpoint is the truth.
/// A crash before 4 leaves files at or beyond the checkpoint's offset: they are orphans, deleted
/// when the partition is next assigned, and the batch is replayed to the same names.
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
    private readonly List<WindowAggregate> _open = [];

    /// <summary>Commits the lane's batch if it holds messages or closed windows; returns whether it did.</summary>
    /// <remarks>The offset hint goes to <paramref name="source"/>, which also says whether the lane has read all there is (idle windows).</remarks>
    public async Task<bool> CommitAsync(PartitionLane lane, IMessageSource source, CancellationToken cancellationToken)
    {
        var started = timeProvider.GetTimestamp();
        lane.Windows.AdvanceIdle(source.IsCaughtUp(lane.Partition, lane.NextOffset));
        // Closed windows stay pending in the lane until a commit succeeds, so a failed write
        // (disk full) loses none of them: the retry writes them again.
        lane.Windows.DrainClosed(lane.PendingClosed);
        var closed = lane.PendingClosed;
        if (lane.BatchMessages == 0 && closed.Count == 0)
        {
            return false;
        }

        // A settle span in the conventions' shape (commit {topic}, kind Client): it makes the batch durable and
        // commits its offset. As the conventions do for a batch, it links the producers' spans (creation contexts)
        // of the batch's messages, the first PartitionLane.MaxTraceLinks that had one, so every batch is reachable
        // from the traces of its messages when most have no process span of their own. Built once per batch, so its
        // name is not cached.
        using var activity = ProcessorTelemetry.ActivitySource.StartActivity(
            ProcessorTelemetry.Spans.Commit(lane.Topic), ActivityKind.Client, parentContext: default, links: lane.TraceLinks);
        if (activity is not null)
        {
            activity.SetTag(PipelineTelemetry.MessagingAttributes.System, PipelineTelemetry.MessagingValues.Kafka);
            activity.SetTag(ProcessorTelemetryNames.Tags.Topic, lane.Topic);
            activity.SetTag(ProcessorTelemetryNames.Tags.Partition, lane.PartitionId);
            activity.SetTag(PipelineTelemetry.MessagingAttributes.ConsumerGroup, options.Value.GroupId);
            activity.SetTag(PipelineTelemetry.MessagingAttributes.OperationName, ProcessorTelemetry.Operations.Commit);
            activity.SetTag(PipelineTelemetry.MessagingAttributes.OperationType, PipelineTelemetry.MessagingValues.OperationTypes.Settle);
            activity.SetTag(PipelineTelemetry.MessagingAttributes.BatchMessageCount, lane.BatchMessages);
        }
        try
        {
            // A batch without messages only carries windows the clock closed (idle partition): its
            // file is named by the next offset and the watermark it is checkpointed with.
            var files = lane.BatchMessages > 0
                ? await writer.WriteAsync(lane.Topic, lane.Partition, lane.BatchFirstOffset, lane.Raw, closed, cancellationToken)
                : await writer.WriteIdleWindowsAsync(lane.Topic, lane.Partition, Math.Max(lane.NextOffset, 0),
                    lane.Windows.Watermark ?? DateTime.MinValue, closed, cancellationToken);
            publisher.PublishWindows(closed);
            publisher.Flush(options.Value.ProducerFlushTimeout);

            _open.Clear();
            lane.Windows.SnapshotOpen(_open);
            await checkpoints.SaveAsync(new PartitionCheckpoint(
                lane.Topic,
                lane.Partition,
                lane.NextOffset,
                lane.Windows.MaxEventTime,
                lane.Windows.Watermark,
                [.. _open],
                lane.Windows.LateEvents), cancellationToken);

            if (lane.NextOffset >= 0)
            {
                source.Commit(lane.Partition, lane.NextOffset);
            }

            Record(lane, files, closed.Count, started);
            lane.CompleteBatch(timeProvider.GetTimestamp());
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            activity?.SetTag(PipelineTelemetry.MessagingAttributes.ErrorType, ex.GetType().FullName);
            activity?.SetStatus(ActivityStatusCode.Error);
            activity?.AddException(ex);
            throw;
        }
    }

    private void Record(PartitionLane lane, BatchFiles files, int closedWindows, long started)
    {
        var topic = new KeyValuePair<string, object?>(ProcessorTelemetryNames.Tags.Topic, lane.Topic);
        telemetry.RowsCommitted.Add(files.RawRows, topic);
        telemetry.FilesCommitted.Add(files.FileCount, topic);
        telemetry.BytesWritten.Add(files.Bytes, topic);
        telemetry.WindowsEmitted.Add(closedWindows, topic);
        telemetry.BatchDuration.Record(timeProvider.GetElapsedTime(started).TotalMilliseconds, topic);
        if (lane.OldestKafkaTimestamp != DateTime.MaxValue)
        {
            telemetry.CommitLatency.Record((timeProvider.GetUtcNow().UtcDateTime - lane.OldestKafkaTimestamp).TotalMilliseconds, topic);
        }

        Log.BatchCommitted(logger, lane.Topic, lane.Partition, lane.BatchFirstOffset, lane.NextOffset,
            files.RawRows, files.FileCount, closedWindows);
    }
}
