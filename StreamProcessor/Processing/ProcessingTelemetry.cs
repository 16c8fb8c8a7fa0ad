using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;
using Pipeline.ServiceDefaults.Telemetry;
using Pipeline.StreamProcessor.Reporting;
using Pipeline.StreamProcessor.Sinks;
using Pipeline.StreamProcessor.Telemetry;

namespace Pipeline.StreamProcessor.Processing;

/// <summary>
/// What the engine and the committer tell about their work, in one place so a tracing change touches one file: each
/// message's process span (within the <see cref="SpanBudget"/>) and its producer's context kept as a link of its batch,
/// each batch's commit span linking them, the process and commit measurements on <see cref="ProcessorTelemetry"/>'s
/// instruments, and the per-partition gauges. Engine's thread only, but for the gauges (the exporter's thread, reading
/// the progress snapshots).
/// </summary>
internal sealed class ProcessingTelemetry(
    ProcessorTelemetry instruments,
    ProgressTracker progress,
    PartitionProber prober,
    IOptions<ProcessorOptions> processorOptions,
    TimeProvider timeProvider)
{
    private readonly ProcessorOptions _options = processorOptions.Value;
    private readonly string _processSpanName = ProcessorTelemetry.Spans.Process(processorOptions.Value.Topic);
    private readonly KeyValuePair<string, object?>[] _processTags =
        ProcessorTelemetry.ProcessTags(processorOptions.Value.Topic, processorOptions.Value.GroupId);
    private readonly SpanBudget _spanBudget = new(processorOptions.Value.MaxMessageSpansPerSecond, timeProvider.TimestampFrequency);
    private long _consumedSinceReport;
    private bool _gaugesRegistered;

    /// <summary>
    /// While tracing listens: keeps the message's producer context for its batch's commit span (the first
    /// <see cref="PartitionLane.MaxTraceLinks"/> of the batch), and starts its own process span if the per-second
    /// budget (<see cref="ProcessorOptions.MaxMessageSpansPerSecond"/>) allows. The producer's context is parsed only
    /// when one of the two needs it, and then once.
    /// </summary>
    public Activity? StartProcess(PartitionLane lane, in SourceMessage message, long now)
    {
        if (!ProcessorTelemetry.ActivitySource.HasListeners())
        {
            return null;
        }

        var link = lane.WantsTraceLink(message.Offset);
        var span = _spanBudget.TryTake(now);
        if (!link && !span)
        {
            return null;
        }

        var producer = message.TraceParent.Resolve();
        if (link)
        {
            lane.AddTraceLink(producer);
        }

        if (!span)
        {
            return null;
        }

        // A child of the producer's span (the conventions allow the creation context as parent for
        // single-message processing): one trace from send to process.
        var activity = ProcessorTelemetry.ActivitySource.StartActivity(_processSpanName, ActivityKind.Consumer, producer);
        if (activity is not null)
        {
            activity.SetTag(PipelineTelemetry.MessagingAttributes.System, PipelineTelemetry.MessagingValues.Kafka);
            activity.SetTag(ProcessorTelemetryNames.Tags.Topic, _options.Topic);
            activity.SetTag(ProcessorTelemetryNames.Tags.Partition, PipelineTelemetry.PartitionId(message.Partition));
            activity.SetTag(PipelineTelemetry.MessagingAttributes.Offset, message.Offset);
            activity.SetTag(PipelineTelemetry.MessagingAttributes.ConsumerGroup, _options.GroupId);
            activity.SetTag(PipelineTelemetry.MessagingAttributes.OperationName, ProcessorTelemetry.Operations.Process);
            activity.SetTag(PipelineTelemetry.MessagingAttributes.OperationType,
                PipelineTelemetry.MessagingValues.OperationTypes.Process);
        }

        return activity;
    }

    /// <summary>A message went to the dead-letter topic: counted by reason, and its process span (if any) fails with it.</summary>
    public void Rejected(Activity? activity, string reason)
    {
        instruments.Rejected.Add(1, new KeyValuePair<string, object?>(ProcessorTelemetryNames.Tags.Reason, reason));
        activity?.SetTag(PipelineTelemetry.MessagingAttributes.ErrorType, reason);
        activity?.SetStatus(ActivityStatusCode.Error, reason);
    }

    /// <summary>An event came after its window closed (written raw, not aggregated).</summary>
    public void Late() => instruments.Late.Add(1);

    /// <summary>An event whose id was first seen in another partition.</summary>
    public void KeyInTwoPartitions() => instruments.KeyPartitionConflicts.Add(1);

    /// <summary>
    /// One message processed since <paramref name="started"/>: counted (reported by <see cref="ReportConsumed"/>) and,
    /// while the histogram listens, measured; a rejected message carries its reason as <c>error.type</c>.
    /// </summary>
    public void Processed(long started, string? rejectReason)
    {
        _consumedSinceReport++;
        if (!instruments.ProcessDuration.Enabled)
        {
            return;
        }

        var seconds = timeProvider.GetElapsedTime(started).TotalSeconds;
        if (rejectReason is null)
        {
            instruments.ProcessDuration.Record(seconds, _processTags);
            return;
        }

        var tags = new TagList(_processTags);
        tags.Add(PipelineTelemetry.MessagingAttributes.ErrorType, rejectReason);
        instruments.ProcessDuration.Record(seconds, tags);
    }

    /// <summary>Adds the messages counted since the last report to the consumed counter (once per trigger check, not per message).</summary>
    public void ReportConsumed()
    {
        if (_consumedSinceReport > 0)
        {
            instruments.Consumed.Add(_consumedSinceReport, _processTags);
            _consumedSinceReport = 0;
        }
    }

    /// <summary>
    /// A settle span in the conventions' shape (commit {topic}, kind Client): it makes the batch durable and commits its
    /// offset, from the moment it was sealed. As the conventions do for a batch, it links the producers' spans (creation
    /// contexts) of the batch's messages, the first <see cref="PartitionLane.MaxTraceLinks"/> that had one, so every batch is
    /// reachable from the traces of its messages when most have no process span of their own. Started once per batch
    /// (only once its results are acknowledged, so a lane waiting for them emits no span per check), so its name is not cached.
    /// </summary>
    public Activity? StartCommit(PartitionLane lane, SealedBatch batch)
    {
        var activity = ProcessorTelemetry.ActivitySource.StartActivity(
            ProcessorTelemetry.Spans.Commit(lane.Topic), ActivityKind.Client, parentContext: default, links: batch.TraceLinks,
            startTime: timeProvider.GetUtcNow() - timeProvider.GetElapsedTime(batch.SealedAt));
        if (activity is not null)
        {
            activity.SetTag(PipelineTelemetry.MessagingAttributes.System, PipelineTelemetry.MessagingValues.Kafka);
            activity.SetTag(ProcessorTelemetryNames.Tags.Topic, lane.Topic);
            activity.SetTag(ProcessorTelemetryNames.Tags.Partition, lane.PartitionId);
            activity.SetTag(PipelineTelemetry.MessagingAttributes.ConsumerGroup, _options.GroupId);
            activity.SetTag(PipelineTelemetry.MessagingAttributes.OperationName, ProcessorTelemetry.Operations.Commit);
            activity.SetTag(PipelineTelemetry.MessagingAttributes.OperationType, PipelineTelemetry.MessagingValues.OperationTypes.Settle);
            activity.SetTag(PipelineTelemetry.MessagingAttributes.BatchMessageCount, batch.Messages);
        }

        return activity;
    }

    /// <summary>The commit failed: its span carries the error.</summary>
    public static void CommitFailed(Activity? activity, Exception ex)
    {
        ArgumentNullException.ThrowIfNull(ex);
        activity?.SetTag(PipelineTelemetry.MessagingAttributes.ErrorType, ex.GetType().FullName);
        activity?.SetStatus(ActivityStatusCode.Error);
        activity?.AddException(ex);
    }

    /// <summary>A batch committed: its rows, files, bytes and windows, its duration from the seal, and its events' latency.</summary>
    public void Committed(PartitionLane lane, SealedBatch batch, BatchFiles files)
    {
        var topic = new KeyValuePair<string, object?>(ProcessorTelemetryNames.Tags.Topic, lane.Topic);
        instruments.RowsCommitted.Add(files.RawRows, topic);
        instruments.FilesCommitted.Add(files.FileCount, topic);
        instruments.BytesWritten.Add(files.Bytes, topic);
        instruments.WindowsEmitted.Add(batch.Closed.Count, topic);
        instruments.BatchDuration.Record(timeProvider.GetElapsedTime(batch.SealedAt).TotalMilliseconds, topic);
        if (batch.OldestKafkaTimestamp != DateTime.MaxValue)
        {
            instruments.CommitLatency.Record((timeProvider.GetUtcNow().UtcDateTime - batch.OldestKafkaTimestamp).TotalMilliseconds, topic);
        }
    }

    /// <summary>Registers the per-partition gauges, once.</summary>
    public void RegisterGauges()
    {
        if (_gaugesRegistered)
        {
            return;
        }

        _gaugesRegistered = true;
        // From the progress snapshots, never the lanes: the gauges are observed on the exporter's thread.
        instruments.Meter.CreateObservableGauge(ProcessorTelemetryNames.Instruments.WatermarkDelay, ObserveWatermarkDelay, "s",
            "How far each partition's watermark trails the wall clock.");
        instruments.Meter.CreateObservableGauge(ProcessorTelemetryNames.Instruments.OpenWindows,
            () => ObservePartitions(static p => p.OpenWindows), "{window}", "Window intervals still open in each partition (many keys share one).");
        instruments.Meter.CreateObservableGauge(ProcessorTelemetryNames.Instruments.StateRows,
            () => ObservePartitions(static p => p.StateRows), "{row}", "Aggregates held in each partition's state, one per key and open window (what its checkpoint stores).");
        instruments.Meter.CreateObservableGauge(ProcessorTelemetryNames.Instruments.LeaderAnswering, ObserveLeaders, "1",
            "1 while each partition's leader answers the offsets probe, 0 while it does not.");
    }

    private IEnumerable<Measurement<int>> ObservePartitions(Func<PartitionState, int> value)
    {
        foreach (var partition in progress.Current.Partitions)
        {
            yield return new Measurement<int>(value(partition),
                new KeyValuePair<string, object?>(ProcessorTelemetryNames.Tags.Partition, PipelineTelemetry.PartitionId(partition.Partition)));
        }
    }

    private IEnumerable<Measurement<int>> ObserveLeaders()
    {
        foreach (var partition in progress.Current.Partitions)
        {
            if (prober.Leader(partition.Partition) is { } leader)
            {
                yield return new Measurement<int>(leader.Answering ? 1 : 0,
                    new KeyValuePair<string, object?>(ProcessorTelemetryNames.Tags.Partition, PipelineTelemetry.PartitionId(partition.Partition)));
            }
        }
    }

    private IEnumerable<Measurement<double>> ObserveWatermarkDelay()
    {
        var now = timeProvider.GetUtcNow().UtcDateTime;
        foreach (var partition in progress.Current.Partitions)
        {
            if (partition.Watermark is { } watermark)
            {
                yield return new Measurement<double>((now - watermark).TotalSeconds,
                    new KeyValuePair<string, object?>(ProcessorTelemetryNames.Tags.Partition, PipelineTelemetry.PartitionId(partition.Partition)));
            }
        }
    }
}
