using System.Diagnostics;
using System.Diagnostics.Metrics;
using Confluent.Kafka;
using Microsoft.Extensions.Options;
using Pipeline.ServiceDefaults.Kafka;
using Pipeline.ServiceDefaults.Telemetry;
using Pipeline.StreamProcessor.Checkpointing;
using Pipeline.StreamProcessor.Ingest;
using Pipeline.StreamProcessor.Reporting;
using Pipeline.StreamProcessor.Sinks;
using Pipeline.StreamProcessor.Telemetry;
using Pipeline.StreamProcessor.Windowing;

namespace Pipeline.StreamProcessor.Processing;

/// <summary>
/// The consumer loop: one lane per assigned partition, all driven from this thread (so partition
/// handlers, lanes and commits never race). Each message is decoded, aggregated and buffered;
/// a lane's batch is committed when it is full or the trigger interval has passed. On revoke a
/// lane commits before it is dropped; on stop every lane commits, then the consumer leaves the group.
/// </summary>
internal sealed class StreamProcessorWorker(
    KafkaConsumerFactory<string?, DecodedValue> consumers,
    LaneFactory laneFactory,
    RunSettingsGuard runSettings,
    BatchCommitter committer,
    IResultPublisher publisher,
    LiveView liveView,
    SinkHealth sinkHealth,
    ProcessorTelemetry telemetry,
    IOptions<ProcessorOptions> processorOptions,
    IOptions<SinkOptions> sinkOptions,
    IOptions<WindowingOptions> windowingOptions,
    TimeProvider timeProvider,
    ILogger<StreamProcessorWorker> logger) : BackgroundService
{
    private const int TriggerCheckEvery = 1024;
    private readonly ProcessorOptions _options = processorOptions.Value;
    private readonly string _processSpanName = ProcessorTelemetry.Spans.Process(processorOptions.Value.Topic);
    private readonly KeyValuePair<string, object?>[] _processTags =
        ProcessorTelemetry.ProcessTags(processorOptions.Value.Topic, processorOptions.Value.GroupId);
    private readonly Dictionary<int, PartitionLane> _lanes = [];
    private readonly KeyOwnership _keys = new();
    private volatile PartitionLane[] _laneSnapshot = [];
    private IConsumer<string?, DecodedValue>? _consumer;
    private TimeSpan _sinkBackoff;
    private long _sinkRetryAt;
    private long _lastLiveUpdate;
    private long _consumedSinceReport;

    /// <summary>Lanes currently assigned (a snapshot, safe from any thread).</summary>
    internal IReadOnlyList<PartitionLane> Lanes => _laneSnapshot;

    /// <summary>
    /// Refuses a run written with other window settings before anything is consumed or written; the host's
    /// start fails with <see cref="RunSettingsMismatchException"/>.
    /// </summary>
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await runSettings.EnsureAsync(cancellationToken);
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await KafkaReadiness.WaitForBrokerAsync(consumers.Config, _options.StartupBackoff, TimeSpan.FromSeconds(30), timeProvider, logger, stoppingToken);
        RegisterGauges();
        using var consumer = consumers.Create(builder => builder
            .SetPartitionsAssignedHandler(OnAssigned)
            .SetPartitionsRevokedHandler(OnRevoked)
            .SetPartitionsLostHandler(OnLost));
        _consumer = consumer;
        consumer.Subscribe(_options.Topic);
        Log.Started(logger, _options.Topic, _options.GroupId);
        _lastLiveUpdate = timeProvider.GetTimestamp();
        var sinceTriggerCheck = 0;
        var lastTriggerCheck = timeProvider.GetTimestamp();
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var result = Consume(consumer);
                if (result is { IsPartitionEOF: false, Message: not null })
                {
                    consumers.Monitor.ReportSuccess();
                    Process(result);
                }

                // Triggers (flush, commit, watermark, live view) run when the topic goes quiet, every
                // TriggerCheckEvery messages under load, and at least every poll timeout when a slow,
                // steady flow never leaves the consumer idle for a whole poll.
                if (result is null
                    || ++sinceTriggerCheck >= TriggerCheckEvery
                    || timeProvider.GetElapsedTime(lastTriggerCheck) >= _options.PollTimeout)
                {
                    sinceTriggerCheck = 0;
                    lastTriggerCheck = timeProvider.GetTimestamp();
                    await RunTriggersAsync(consumer, stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            await StopAsync(consumer);
        }
    }

    private ConsumeResult<string?, DecodedValue>? Consume(IConsumer<string?, DecodedValue> consumer)
    {
        try
        {
            return consumer.Consume(_options.PollTimeout);
        }
        catch (ConsumeException ex) when (!ex.Error.IsFatal)
        {
            Log.ConsumeFailed(logger, ex.Error.Reason);
            return null;
        }
    }

    private void Process(ConsumeResult<string?, DecodedValue> result)
    {
        var partition = result.Partition.Value;
        if (!_lanes.TryGetValue(partition, out var lane))
        {
            return; // revoked between fetch and delivery
        }

        var started = timeProvider.GetTimestamp();
        string? rejectReason;
        using (var activity = StartProcessActivity(result))
        {
            _consumedSinceReport++;
            rejectReason = AddToLane(lane, result, started, activity);
        }

        if (telemetry.ProcessDuration.Enabled)
        {
            RecordProcessDuration(timeProvider.GetElapsedTime(started).TotalSeconds, rejectReason);
        }
    }

    /// <summary>Adds one message to its lane; returns the reject reason when it went to the dead-letter topic.</summary>
    private string? AddToLane(PartitionLane lane, ConsumeResult<string?, DecodedValue> result, long now, Activity? activity)
    {
        var partition = lane.Partition;
        switch (lane.Add(result, now))
        {
            case LaneResult.Rejected:
                var reason = result.Message.Value.RejectReason!;
                publisher.PublishRejected(result);
                telemetry.Rejected.Add(1, new KeyValuePair<string, object?>(ProcessorTelemetry.Tags.Reason, reason));
                Log.Rejected(logger, _options.Topic, partition, result.Offset.Value, reason);
                activity?.SetTag(PipelineTelemetry.MessagingAttributes.ErrorType, reason);
                activity?.SetStatus(ActivityStatusCode.Error, reason);
                return reason;
            case LaneResult.Late:
                telemetry.Late.Add(1);
                Log.LateEvent(logger, partition, result.Offset.Value, result.Message.Value.Event.Timestamp, lane.Windows.Watermark);
                break;
            case LaneResult.Replayed:
                return null;
        }

        var id = result.Message.Value.Event.Id;
        if (_keys.IsConflict(id, partition, out var owner, out var firstReport))
        {
            telemetry.KeyPartitionConflicts.Add(1);
            if (firstReport)
            {
                Log.KeyInTwoPartitions(logger, id, owner, partition);
            }
        }

        return null;
    }

    /// <summary>One <c>messaging.process.duration</c> measurement; a rejected message carries its reason as <c>error.type</c>.</summary>
    private void RecordProcessDuration(double seconds, string? rejectReason)
    {
        if (rejectReason is null)
        {
            telemetry.ProcessDuration.Record(seconds, _processTags);
            return;
        }

        var tags = new TagList(_processTags);
        tags.Add(PipelineTelemetry.MessagingAttributes.ErrorType, rejectReason);
        telemetry.ProcessDuration.Record(seconds, tags);
    }

    private Activity? StartProcessActivity(ConsumeResult<string?, DecodedValue> result)
    {
        if (!ProcessorTelemetry.ActivitySource.HasListeners())
        {
            return null;
        }

        // A child of the producer's span (the conventions allow the creation context as parent for
        // single-message processing): one trace from send to process.
        var parent = TraceContextHeaders.Extract(result.Message.Headers);
        var activity = ProcessorTelemetry.ActivitySource.StartActivity(_processSpanName, ActivityKind.Consumer, parent);
        if (activity is not null)
        {
            activity.SetTag(PipelineTelemetry.MessagingAttributes.System, PipelineTelemetry.MessagingValues.Kafka);
            activity.SetTag(ProcessorTelemetry.Tags.Topic, _options.Topic);
            activity.SetTag(ProcessorTelemetry.Tags.Partition, PipelineTelemetry.PartitionId(result.Partition.Value));
            activity.SetTag(PipelineTelemetry.MessagingAttributes.Offset, result.Offset.Value);
            activity.SetTag(PipelineTelemetry.MessagingAttributes.ConsumerGroup, _options.GroupId);
            activity.SetTag(PipelineTelemetry.MessagingAttributes.OperationName, ProcessorTelemetry.Operations.Process);
            activity.SetTag(PipelineTelemetry.MessagingAttributes.OperationType,
                PipelineTelemetry.MessagingValues.OperationTypes.Process);
        }

        return activity;
    }

    private async Task RunTriggersAsync(IConsumer<string?, DecodedValue> consumer, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetTimestamp();
        if (_consumedSinceReport > 0)
        {
            telemetry.Consumed.Add(_consumedSinceReport, _processTags);
            _consumedSinceReport = 0;
        }

        if (sinkHealth.IsFailing && now < _sinkRetryAt)
        {
            return;
        }

        var sink = sinkOptions.Value;
        foreach (var lane in _laneSnapshot)
        {
            var due = lane.BatchMessages >= sink.MaxBatchRows
                || timeProvider.GetElapsedTime(lane.BatchStartedAt, now) >= sink.TriggerInterval
                || sinkHealth.IsFailing;
            if (due && !await TryCommitAsync(lane, consumer, cancellationToken))
            {
                return;
            }
        }

        if (timeProvider.GetElapsedTime(_lastLiveUpdate, now) >= windowingOptions.Value.UpdateInterval)
        {
            _lastLiveUpdate = now;
            liveView.Report(_laneSnapshot);
        }
    }

    /// <summary>Commits one lane; on a sink failure pauses consumption and schedules a retry.</summary>
    private async Task<bool> TryCommitAsync(PartitionLane lane, IConsumer<string?, DecodedValue> consumer, CancellationToken cancellationToken)
    {
        try
        {
            if (!await committer.CommitAsync(lane, consumer, cancellationToken))
            {
                lane.RestartTrigger(timeProvider.GetTimestamp());
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            telemetry.SinkFailures.Add(1);
            if (sinkHealth.ReportFailure(ex))
            {
                Log.SinkFailed(logger, ex, lane.Topic, lane.Partition, ex.Message);
            }

            if (_options.ExitOnSinkFailure)
            {
                Environment.ExitCode = 3;
                throw new InvalidOperationException(
                    $"Stopping: the output could not be written ({ex.Message}) and {ProcessorOptions.SectionName}:ExitOnSinkFailure is set.", ex);
            }

            _sinkBackoff = _sinkBackoff == TimeSpan.Zero
                ? _options.SinkRetryBackoff
                : TimeSpan.FromTicks(Math.Min(_sinkBackoff.Ticks * 2, _options.MaxSinkRetryBackoff.Ticks));
            _sinkRetryAt = timeProvider.GetTimestamp() + (long)(_sinkBackoff.TotalSeconds * timeProvider.TimestampFrequency);
            consumer.Pause(consumer.Assignment);
            return false;
        }

        if (sinkHealth.ReportSuccess())
        {
            _sinkBackoff = TimeSpan.Zero;
            consumer.Resume(consumer.Assignment);
            Log.SinkRecovered(logger);
        }

        return true;
    }

    private IEnumerable<TopicPartitionOffset> OnAssigned(IConsumer<string?, DecodedValue> consumer, List<TopicPartition> partitions)
    {
        var starts = new List<TopicPartitionOffset>(partitions.Count);
        foreach (var topicPartition in partitions)
        {
            var (lane, startAt) = laneFactory.OpenAsync(topicPartition, CancellationToken.None).GetAwaiter().GetResult();
            if (_lanes.Remove(topicPartition.Partition.Value, out var stale))
            {
                stale.Dispose();
            }

            _lanes[topicPartition.Partition.Value] = lane;
            starts.Add(new TopicPartitionOffset(topicPartition, startAt));
        }

        _laneSnapshot = [.. _lanes.Values];
        Log.Assigned(logger, string.Join(',', partitions.Select(p => p.Partition.Value)));
        return starts;
    }

    private void OnRevoked(IConsumer<string?, DecodedValue> consumer, List<TopicPartitionOffset> partitions)
    {
        foreach (var topicPartition in partitions)
        {
            if (!_lanes.Remove(topicPartition.Partition.Value, out var lane))
            {
                continue;
            }

            try
            {
                // Flush and checkpoint before the partition moves: the next owner resumes here.
                committer.CommitAsync(lane, consumer, CancellationToken.None).GetAwaiter().GetResult();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or KafkaException or TimeoutException)
            {
                // The next owner replays from the last checkpoint; nothing is lost or duplicated.
                Log.RevokeCommitFailed(logger, ex, lane.Topic, lane.Partition);
            }

            _keys.Release(lane.Partition);
            lane.Dispose();
        }

        _laneSnapshot = [.. _lanes.Values];
        Log.Revoked(logger, string.Join(',', partitions.Select(p => p.Partition.Value)));
    }

    private void OnLost(IConsumer<string?, DecodedValue> consumer, List<TopicPartitionOffset> partitions)
    {
        // Another member may already own these: drop the state without committing anything.
        foreach (var topicPartition in partitions)
        {
            if (_lanes.Remove(topicPartition.Partition.Value, out var lane))
            {
                _keys.Release(lane.Partition);
                lane.Dispose();
            }
        }

        _laneSnapshot = [.. _lanes.Values];
        Log.Lost(logger, string.Join(',', partitions.Select(p => p.Partition.Value)));
    }

    private async Task StopAsync(IConsumer<string?, DecodedValue> consumer)
    {
        foreach (var lane in _laneSnapshot)
        {
            try
            {
                await committer.CommitAsync(lane, consumer, CancellationToken.None);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or KafkaException or TimeoutException)
            {
                Log.RevokeCommitFailed(logger, ex, lane.Topic, lane.Partition);
            }
        }

        // Close leaves the group (revoking through OnRevoked, which finds the lanes already committed).
        consumer.Close();
        foreach (var lane in _lanes.Values)
        {
            lane.Dispose();
        }

        _lanes.Clear();
        _laneSnapshot = [];
        _consumer = null;
        Log.Stopped(logger);
    }

    private void RegisterGauges()
    {
        telemetry.Meter.CreateObservableGauge(ProcessorTelemetry.Names.ConsumerLag, ObserveLag, "{message}",
            "Messages in the partition after the processor's position.");
        telemetry.Meter.CreateObservableGauge(ProcessorTelemetry.Names.WatermarkDelay, ObserveWatermarkDelay, "s",
            "How far each partition's watermark trails the wall clock.");
    }

    private IEnumerable<Measurement<long>> ObserveLag()
    {
        var consumer = _consumer;
        if (consumer is null)
        {
            yield break;
        }

        foreach (var lane in _laneSnapshot)
        {
            WatermarkOffsets watermarks;
            try
            {
                watermarks = consumer.GetWatermarkOffsets(lane.TopicPartition);
            }
            catch (KafkaException)
            {
                continue;
            }
            catch (ObjectDisposedException)
            {
                yield break;
            }

            if (KafkaLag.Of(watermarks, lane.NextOffset) is not { } lag)
            {
                continue;
            }

            yield return new Measurement<long>(lag,
                new KeyValuePair<string, object?>(ProcessorTelemetry.Tags.Partition, lane.PartitionId));
        }
    }

    private IEnumerable<Measurement<double>> ObserveWatermarkDelay()
    {
        var now = timeProvider.GetUtcNow().UtcDateTime;
        foreach (var lane in _laneSnapshot)
        {
            if (lane.Windows.Watermark is { } watermark)
            {
                yield return new Measurement<double>((now - watermark).TotalSeconds,
                    new KeyValuePair<string, object?>(ProcessorTelemetry.Tags.Partition, lane.PartitionId));
            }
        }
    }
}
