using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;
using Pipeline.ServiceDefaults.Telemetry;
using Pipeline.StreamProcessor.Checkpointing;
using Pipeline.StreamProcessor.Reporting;
using Pipeline.StreamProcessor.Sinks;
using Pipeline.StreamProcessor.Telemetry;
using Pipeline.StreamProcessor.Windowing;

namespace Pipeline.StreamProcessor.Processing;

/// <summary>
/// The processor without its transport: one lane per assigned partition, all driven from the thread of
/// <see cref="RunAsync"/> (so assignment changes, lanes and commits never race). Each message is aggregated
/// and buffered; a lane's batch is sealed when it is full or the trigger interval has passed, and committed
/// (<see cref="BatchCommitter"/>: files, then checkpoint, then the offset hint), its files written in the background
/// while the lane consumes the next batch (under load; an idle source waits for them). A failing output pauses the source and is
/// retried with a doubling backoff (or stops the run with <see cref="SinkFailedException"/> under
/// <see cref="ProcessorOptions.ExitOnSinkFailure"/>); a lane whose results are not acknowledged is the same sink failure
/// for that lane alone: its partition is paused and retried with its own backoff while the other lanes commit. An idle
/// partition's watermark advances only while the broker confirms it has nothing more (<see cref="PartitionProber"/>).
/// A lane resumes from its checkpoint only if the log still holds it (<see cref="LogRangeGuard"/>). On revoke a lane
/// commits before it is dropped; on lost it is dropped, and so is a lane whose checkpoint another owner wrote
/// (<see cref="CheckpointConflictException"/>); on stop every lane commits, then the source closes.
/// </summary>
internal sealed class ProcessingEngine(
    LaneFactory laneFactory,
    RunSettingsGuard runSettings,
    BatchCommitter committer,
    IResultPublisher publisher,
    LiveView liveView,
    ProgressTracker progress,
    SinkHealth sinkHealth,
    PartitionProber prober,
    LogRangeGuard logRange,
    ProcessorTelemetry telemetry,
    IOptions<ProcessorOptions> processorOptions,
    IOptions<SinkOptions> sinkOptions,
    IOptions<WindowingOptions> windowingOptions,
    TimeProvider timeProvider,
    ILogger<ProcessingEngine> logger)
{
    /// <summary>Under load, triggers are checked every this many messages.</summary>
    internal const int TriggerCheckEvery = 1024;

    /// <summary>How long an assignment waits for an output that fails (see <see cref="Open"/>).</summary>
    internal static readonly TimeSpan AssignRetryLimit = TimeSpan.FromMinutes(1);
    private readonly ProcessorOptions _options = processorOptions.Value;
    private readonly string _processSpanName = ProcessorTelemetry.Spans.Process(processorOptions.Value.Topic);
    private readonly KeyValuePair<string, object?>[] _processTags =
        ProcessorTelemetry.ProcessTags(processorOptions.Value.Topic, processorOptions.Value.GroupId);
    private readonly SpanBudget _spanBudget = new(processorOptions.Value.MaxMessageSpansPerSecond, timeProvider.TimestampFrequency);
    private readonly Dictionary<int, PartitionLane> _lanes = [];
    private readonly KeyOwnership _keys = new();
    private volatile PartitionLane[] _laneSnapshot = [];
    private IMessageSource? _source;
    private bool _gaugesRegistered;
    private TimeSpan _sinkBackoff;
    private long _sinkRetryAt;
    private long _lastLiveUpdate;
    private long _consumedSinceReport;

    /// <summary>Lanes currently assigned (a snapshot, safe from any thread).</summary>
    public IReadOnlyList<PartitionLane> Lanes => _laneSnapshot;

    /// <summary>The topic every lane reads (the source delivers this one topic only).</summary>
    public string Topic => _options.Topic;

    /// <summary>
    /// Refuses a run written with other window settings before anything is consumed or written
    /// (<see cref="RunSettingsMismatchException"/>).
    /// </summary>
    public Task PrepareAsync(CancellationToken cancellationToken) => runSettings.EnsureAsync(cancellationToken);

    /// <summary>
    /// Reads <paramref name="source"/> until <paramref name="stoppingToken"/> is cancelled, then commits every
    /// lane and closes the source. Fatal errors (a fatal source error, a refused result, a sink failure under
    /// <see cref="ProcessorOptions.ExitOnSinkFailure"/>) escape, after the same stop.
    /// </summary>
    public async Task RunAsync(IMessageSource source, CancellationToken stoppingToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (Interlocked.CompareExchange(ref _source, source, null) is not null)
        {
            throw new InvalidOperationException("The engine is already running.");
        }

        RegisterGauges();
        _lastLiveUpdate = timeProvider.GetTimestamp();
        var sinceTriggerCheck = 0;
        var lastTriggerCheck = timeProvider.GetTimestamp();
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var received = source.TryReceive(_options.PollTimeout, out var message);
                if (received)
                {
                    Process(in message);
                }

                // Triggers (flush, commit, watermark, live view) run when the source goes quiet, every
                // TriggerCheckEvery messages under load, and at least every poll timeout when a slow,
                // steady flow never leaves the source idle for a whole poll.
                if (!received
                    || ++sinceTriggerCheck >= TriggerCheckEvery
                    || timeProvider.GetElapsedTime(lastTriggerCheck) >= _options.PollTimeout)
                {
                    sinceTriggerCheck = 0;
                    lastTriggerCheck = timeProvider.GetTimestamp();
                    await RunTriggersAsync(source, idle: !received, stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            await StopAsync(source);
        }
    }

    /// <summary>
    /// Opens the lanes of newly assigned partitions from their checkpoints; returns where each resumes
    /// (null: the earliest offset). Called by the source, on the engine's thread.
    /// </summary>
    public IReadOnlyList<(int Partition, long? StartAt)> Assign(IReadOnlyCollection<int> partitions)
    {
        var starts = new List<(int, long?)>(partitions.Count);
        foreach (var partition in partitions)
        {
            if (Open(partition) is not var (lane, startAt))
            {
                continue;
            }

            if (_lanes.Remove(partition, out var stale))
            {
                Forget(stale);
                stale.Dispose();
            }

            _lanes[partition] = lane;
            starts.Add((partition, _source is { } source ? logRange.StartAt(lane.Topic, partition, startAt, source) : startAt));
        }

        _laneSnapshot = [.. _lanes.Values];
        progress.Update(_laneSnapshot, force: true);
        Log.Assigned(logger, string.Join(',', partitions));
        return starts;
    }

    /// <summary>
    /// Opens a partition's lane, waiting out an outage of the output (a blob service restarting, a network blip):
    /// the assignment cannot be put off, so the open is retried with the sink's backoff for up to
    /// <see cref="AssignRetryLimit"/> (well inside Kafka's default max.poll.interval.ms of 5 minutes) before the failure
    /// escapes and stops the processor. Null when another processor keeps saving the partition's checkpoint (it is
    /// logged like any refused checkpoint, and the partition is not consumed here).
    /// </summary>
    private (PartitionLane Lane, long? StartAt)? Open(int partition)
    {
        var started = timeProvider.GetTimestamp();
        var backoff = _options.SinkRetryBackoff;
        while (true)
        {
            try
            {
                return laneFactory.OpenAsync(_options.Topic, partition, CancellationToken.None).GetAwaiter().GetResult();
            }
            catch (CheckpointConflictException ex)
            {
                Log.CheckpointConflict(logger, ex, _options.Topic, partition);
                return null;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException && timeProvider.GetElapsedTime(started) < AssignRetryLimit)
            {
                telemetry.SinkFailures.Add(1);
                sinkHealth.ReportFailure(ex);
                if (backoff == _options.SinkRetryBackoff)
                {
                    Log.AssignmentWaiting(logger, ex, _options.Topic, partition, ex.Message, AssignRetryLimit);
                }

                Task.Delay(backoff, timeProvider).GetAwaiter().GetResult();
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, _options.MaxSinkRetryBackoff.Ticks));
            }
        }
    }

    /// <summary>
    /// Where a lane goes on when the consumer found its position out of range during the run (retention deleted what it
    /// had not read yet, or the topic was recreated): checked by <see cref="LogRangeGuard"/> like a resume; null when the
    /// partition is not this engine's or its leader did not answer (the consumer then tries its position again).
    /// Called by the source, on the engine's thread.
    /// </summary>
    public long? OffsetOutOfRange(int partition)
    {
        if (!_lanes.TryGetValue(partition, out var lane))
        {
            return null;
        }

        var next = Math.Max(lane.NextOffset, 0);
        return CurrentSource.QueryOffsets(partition, _options.PartitionProbeTimeout) is { } log
            ? logRange.ResumeAt(lane.Topic, partition, next, log)
            : null;
    }

    /// <summary>
    /// Commits and drops the lanes of revoked partitions (the next owner resumes from their checkpoints); a
    /// failed commit only means the next owner replays from the previous checkpoint.
    /// </summary>
    public void Revoke(IReadOnlyCollection<int> partitions)
    {
        foreach (var partition in partitions)
        {
            if (!_lanes.Remove(partition, out var lane))
            {
                continue;
            }

            try
            {
                // Flush and checkpoint before the partition moves: the next owner resumes here.
                committer.CommitAsync(lane, CurrentSource, CaughtUpAsOf(lane), CancellationToken.None).GetAwaiter().GetResult();
            }
            catch (CheckpointConflictException ex)
            {
                // Another owner already took the partition over: nothing of this lane may land.
                Log.CheckpointConflict(logger, ex, lane.Topic, lane.Partition);
            }
            catch (Exception ex) when (IsCommitFailure(ex))
            {
                // The next owner replays from the last checkpoint; nothing is lost or duplicated.
                Log.RevokeCommitFailed(logger, ex, lane.Topic, lane.Partition);
            }

            Forget(lane);
            lane.Dispose();
        }

        _laneSnapshot = [.. _lanes.Values];
        progress.Update(_laneSnapshot, force: true);
        Log.Revoked(logger, string.Join(',', partitions));
    }

    /// <summary>Drops the lanes of lost partitions without committing anything: another owner may already have them.</summary>
    public void Lose(IReadOnlyCollection<int> partitions)
    {
        foreach (var partition in partitions)
        {
            if (_lanes.Remove(partition, out var lane))
            {
                Forget(lane);
                committer.Abandon(lane);
                lane.Dispose();
            }
        }

        _laneSnapshot = [.. _lanes.Values];
        progress.Update(_laneSnapshot, force: true);
        Log.Lost(logger, string.Join(',', partitions));
    }

    /// <summary>
    /// A lane whose checkpoint another owner wrote (<see cref="CheckpointConflictException"/>): its partition is lost
    /// to it, whatever the source says, so it is dropped like a lost one, without committing or giving an offset hint.
    /// Its later messages are ignored until the partition is assigned again.
    /// </summary>
    private void DropConflicted(PartitionLane lane, CheckpointConflictException conflict)
    {
        Log.CheckpointConflict(logger, conflict, lane.Topic, lane.Partition);
        if (_lanes.TryGetValue(lane.Partition, out var current) && ReferenceEquals(current, lane))
        {
            _lanes.Remove(lane.Partition);
            Forget(lane);
            committer.Abandon(lane);
            lane.Dispose();
            _laneSnapshot = [.. _lanes.Values];
            progress.Update(_laneSnapshot, force: true);
        }
    }

    /// <summary>
    /// What a dropped lane leaves behind: its keys, its sink failure, its results' tracking, and the pause of its
    /// partition (still assigned while the rebalance callback runs), which would otherwise outlast it if the partition
    /// came back.
    /// </summary>
    private void Forget(PartitionLane lane)
    {
        LogUnloggedCommits(lane);
        _keys.Release(lane.Partition);
        sinkHealth.ClearLane(lane.Partition);
        publisher.Forget(lane.Partition);
        if (lane.RetryBackoff > TimeSpan.Zero)
        {
            lane.RetryBackoff = TimeSpan.Zero;
            _source?.Resume(lane.Partition);
        }
    }

    /// <summary>The lane's commits the rate-limited Information line has not told yet, told before the lane goes.</summary>
    private void LogUnloggedCommits(PartitionLane lane)
    {
        if (lane.Progress.TakeUnlogged(out var summary))
        {
            Log.CommitsSummarized(logger, lane.Topic, lane.Partition, summary.Commits, summary.FirstOffset, summary.NextOffset,
                summary.Rows, summary.Files, summary.Windows);
        }
    }

    /// <summary>Whether the lane may count as idle: the broker recently confirmed there is nothing beyond its position.</summary>
    private long? CaughtUpAsOf(PartitionLane lane) => prober.CaughtUpAsOf(lane.Partition, lane.NextOffset);

    private IMessageSource CurrentSource =>
        _source ?? throw new InvalidOperationException("Partitions change only while the engine runs.");

    /// <summary>What a commit may fail with that is not a bug: the output, or the results' topics.</summary>
    private static bool IsCommitFailure(Exception ex) =>
        ex is IOException or UnauthorizedAccessException or TimeoutException or ResultPublishException;

    private void Process(in SourceMessage message)
    {
        if (!_lanes.TryGetValue(message.Partition, out var lane))
        {
            return; // revoked between fetch and delivery
        }

        var started = timeProvider.GetTimestamp();
        string? rejectReason;
        using (var activity = StartProcessActivity(lane, in message, started))
        {
            _consumedSinceReport++;
            rejectReason = AddToLane(lane, in message, started, activity);
        }

        if (telemetry.ProcessDuration.Enabled)
        {
            RecordProcessDuration(timeProvider.GetElapsedTime(started).TotalSeconds, rejectReason);
        }
    }

    /// <summary>Adds one message to its lane; returns the reject reason when it went to the dead-letter topic.</summary>
    private string? AddToLane(PartitionLane lane, in SourceMessage message, long now, Activity? activity)
    {
        var partition = lane.Partition;
        switch (lane.Add(in message, now))
        {
            case LaneResult.Rejected:
                var reason = message.Value.RejectReason!;
                publisher.PublishRejected(in message);
                telemetry.Rejected.Add(1, new KeyValuePair<string, object?>(ProcessorTelemetryNames.Tags.Reason, reason));
                Log.Rejected(logger, _options.Topic, partition, message.Offset, reason);
                activity?.SetTag(PipelineTelemetry.MessagingAttributes.ErrorType, reason);
                activity?.SetStatus(ActivityStatusCode.Error, reason);
                return reason;
            case LaneResult.Late:
                telemetry.Late.Add(1);
                Log.LateEvent(logger, partition, message.Offset, message.Value.Event.Timestamp, lane.Windows.Watermark);
                break;
            case LaneResult.Replayed:
                return null;
        }

        var id = message.Value.Event.Id;
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

    /// <summary>
    /// While tracing listens: keeps the message's producer context for its batch's commit span (the first
    /// <see cref="PartitionLane.MaxTraceLinks"/> of the batch), and starts its own process span if the per-second
    /// budget (<see cref="ProcessorOptions.MaxMessageSpansPerSecond"/>) allows. The producer's context is parsed only
    /// when one of the two needs it, and then once.
    /// </summary>
    private Activity? StartProcessActivity(PartitionLane lane, in SourceMessage message, long now)
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

    private async Task RunTriggersAsync(IMessageSource source, bool idle, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetTimestamp();
        if (_consumedSinceReport > 0)
        {
            telemetry.Consumed.Add(_consumedSinceReport, _processTags);
            _consumedSinceReport = 0;
        }

        progress.Update(_laneSnapshot);
        if (sinkHealth.IsFailing && now < _sinkRetryAt)
        {
            return;
        }

        var sink = sinkOptions.Value;
        foreach (var lane in _laneSnapshot)
        {
            var retrying = lane.RetryBackoff > TimeSpan.Zero;
            if (retrying && now < lane.RetryAt)
            {
                continue; // this lane's own backoff; the others go on
            }

            var due = lane.BatchMessages >= sink.MaxBatchRows
                || timeProvider.GetElapsedTime(lane.BatchStartedAt, now) >= sink.TriggerInterval
                || sinkHealth.IsFailing
                || retrying;
            if (!await TryCommitAsync(lane, source, due, idle, cancellationToken))
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

    /// <summary>
    /// Moves one lane's commits on: completes its batch in flight once the files are written (waiting for them when
    /// the next batch is due, or when the source is idle and there is nothing to overlap them with) and its results are
    /// acknowledged (waited for a poll timeout at most, and only when idle: a lane whose results are slow holds no other
    /// lane back), and seals the open batch when it is due, its files then written while the lane consumes on. A failing
    /// output pauses the source and schedules a retry (false: the other lanes would fail alike); results not acknowledged
    /// pause this lane's partition only.
    /// </summary>
    private async Task<bool> TryCommitAsync(PartitionLane lane, IMessageSource source, bool due, bool idle, CancellationToken cancellationToken)
    {
        var retrying = lane.RetryBackoff > TimeSpan.Zero;
        var waitForFiles = due || idle || sinkHealth.IsFailing;
        var resultsWait = idle ? _options.PollTimeout : TimeSpan.Zero;
        var completed = false;
        try
        {
            if (lane.InFlight is { } inFlight && (waitForFiles || inFlight.Write is not { IsCompleted: false }))
            {
                completed = await committer.CompleteAsync(lane, source, resultsWait, cancellationToken);
            }

            if (due && lane.InFlight is null)
            {
                if (!committer.Seal(lane, CaughtUpAsOf(lane)))
                {
                    lane.RestartTrigger(timeProvider.GetTimestamp());
                }
                else if (idle || sinkHealth.IsFailing)
                {
                    completed |= await committer.CompleteAsync(lane, source, resultsWait, cancellationToken);
                }
            }
        }
        catch (CheckpointConflictException ex)
        {
            // Not a sink failure (the output answered, and a retry would be refused again): the lane stops.
            DropConflicted(lane, ex);
        }
        catch (Exception ex) when (ex is TimeoutException or ResultPublishException)
        {
            // The results topic did not take this lane's messages (a partition without a leader, a slow broker): the
            // output is fine and the other lanes' results may be too, so only this lane waits.
            LaneFailed(lane, source, ex);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            ReportSinkFailure(lane, ex);
            _sinkBackoff = NextBackoff(_sinkBackoff);
            _sinkRetryAt = RetryTime(_sinkBackoff);
            source.Pause();
            return false;
        }

        if (retrying && completed)
        {
            lane.RetryBackoff = TimeSpan.Zero;
            sinkHealth.ClearLane(lane.Partition);
            source.Resume(lane.Partition);
            Log.ResultsRecovered(logger, lane.Topic, lane.Partition);
        }

        if (sinkHealth.ReportSuccess())
        {
            _sinkBackoff = TimeSpan.Zero;
            source.Resume();
            foreach (var waiting in _laneSnapshot)
            {
                if (waiting.RetryBackoff > TimeSpan.Zero)
                {
                    source.Pause(waiting.Partition); // resuming the output does not resume a lane whose results still fail
                }
            }

            Log.SinkRecovered(logger);
        }

        return true;
    }

    /// <summary>A sink failure of one lane: its partition is paused and its batch retried after its own backoff.</summary>
    private void LaneFailed(PartitionLane lane, IMessageSource source, Exception ex)
    {
        ReportSinkFailure(lane, ex);
        if (lane.RetryBackoff == TimeSpan.Zero)
        {
            source.Pause(lane.Partition);
        }

        lane.RetryBackoff = NextBackoff(lane.RetryBackoff);
        lane.RetryAt = RetryTime(lane.RetryBackoff);
    }

    /// <summary>Counts the failure, reports it to health (logged when an outage starts), and stops the run under <see cref="ProcessorOptions.ExitOnSinkFailure"/>.</summary>
    private void ReportSinkFailure(PartitionLane lane, Exception ex)
    {
        telemetry.SinkFailures.Add(1);
        var results = ex is TimeoutException or ResultPublishException;
        if (results ? sinkHealth.ReportLaneFailure(lane.Partition, ex) : sinkHealth.ReportFailure(ex))
        {
            if (results)
            {
                Log.ResultsFailed(logger, ex, lane.Topic, lane.Partition, ex.Message);
            }
            else
            {
                Log.SinkFailed(logger, ex, lane.Topic, lane.Partition, ex.Message);
            }
        }

        if (_options.ExitOnSinkFailure)
        {
            throw new SinkFailedException(results
                ? $"Stopping: the results of partition {lane.Topic}/{lane.Partition} were not acknowledged ({ex.Message}) and {ProcessorOptions.SectionName}:ExitOnSinkFailure is set."
                : $"Stopping: the output could not be written ({ex.Message}) and {ProcessorOptions.SectionName}:ExitOnSinkFailure is set.", ex);
        }
    }

    private TimeSpan NextBackoff(TimeSpan current) => current == TimeSpan.Zero
        ? _options.SinkRetryBackoff
        : TimeSpan.FromTicks(Math.Min(current.Ticks * 2, _options.MaxSinkRetryBackoff.Ticks));

    private long RetryTime(TimeSpan backoff) => timeProvider.GetTimestamp() + (long)(backoff.TotalSeconds * timeProvider.TimestampFrequency);

    private async Task StopAsync(IMessageSource source)
    {
        try
        {
            foreach (var lane in _laneSnapshot)
            {
                try
                {
                    await committer.CommitAsync(lane, source, CaughtUpAsOf(lane), CancellationToken.None);
                }
                catch (CheckpointConflictException ex)
                {
                    DropConflicted(lane, ex);
                }
                catch (Exception ex) when (IsCommitFailure(ex))
                {
                    Log.RevokeCommitFailed(logger, ex, lane.Topic, lane.Partition);
                }

                LogUnloggedCommits(lane);
            }

            // Close leaves the group (revoking through Revoke, which finds the lanes already committed).
            source.Close();
        }
        finally
        {
            foreach (var lane in _lanes.Values)
            {
                lane.Dispose();
            }

            _lanes.Clear();
            _laneSnapshot = [];
            progress.Update(_laneSnapshot, force: true);
            _source = null;
        }

        Log.Stopped(logger);
    }

    private void RegisterGauges()
    {
        if (_gaugesRegistered)
        {
            return;
        }

        _gaugesRegistered = true;
        // From the progress snapshots, never the lanes: the gauges are observed on the exporter's thread.
        telemetry.Meter.CreateObservableGauge(ProcessorTelemetryNames.Instruments.WatermarkDelay, ObserveWatermarkDelay, "s",
            "How far each partition's watermark trails the wall clock.");
        telemetry.Meter.CreateObservableGauge(ProcessorTelemetryNames.Instruments.OpenWindows,
            () => ObservePartitions(static p => p.OpenWindows), "{window}", "Window intervals still open in each partition (many keys share one).");
        telemetry.Meter.CreateObservableGauge(ProcessorTelemetryNames.Instruments.StateRows,
            () => ObservePartitions(static p => p.StateRows), "{row}", "Aggregates held in each partition's state, one per key and open window (what its checkpoint stores).");
        telemetry.Meter.CreateObservableGauge(ProcessorTelemetryNames.Instruments.LeaderAnswering, ObserveLeaders, "1",
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

/// <summary>The output could not be written and the run is configured to stop rather than retry.</summary>
internal sealed class SinkFailedException(string message, Exception innerException) : Exception(message, innerException);
