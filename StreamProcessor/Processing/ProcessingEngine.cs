using Microsoft.Extensions.Options;
using Pipeline.StreamProcessor.Checkpointing;

namespace Pipeline.StreamProcessor.Processing;

/// <summary>
/// The processor without its transport. One event's way: the source (<see cref="IMessageSource"/>, Kafka in the service)
/// delivers it to <see cref="RunAsync"/>'s loop; the <see cref="MessageRouter"/> adds it to its partition's lane
/// (<see cref="PartitionLane.Add"/>: aggregated and buffered); at a trigger check, a lane whose batch is full or whose
/// trigger interval has passed seals it (<see cref="PartitionLane.Seal"/>) and the <see cref="BatchCommitter"/> commits it:
/// files written in the background while the lane consumes on, then windows published, checkpoint saved, offset hint,
/// and now and then the lane's committed small files merged, in the background too (<see cref="CompactionScheduler"/>).
/// Lanes come and go with the assignment (<see cref="LaneAssignments"/>); a failing output or a lane's unacknowledged
/// results pause the source or the partition and are retried (<see cref="CommitRetry"/>). Everything runs one step at
/// a time in <see cref="RunAsync"/>'s flow: the source's assignment changes reach the engine from inside
/// <see cref="IMessageSource.TryReceive"/> or <see cref="IMessageSource.Close"/>, so they never race the lanes or commits.
/// On stop every lane commits, then the source closes.
/// </summary>
internal sealed class ProcessingEngine(
    LaneAssignments lanes,
    MessageRouter router,
    BatchCommitter committer,
    CommitRetry retry,
    ProcessingTelemetry telemetry,
    RunSettingsGuard runSettings,
    IOptions<ProcessorOptions> processorOptions,
    TimeProvider timeProvider,
    ILogger<ProcessingEngine> logger)
{
    /// <summary>Under load, triggers are checked every this many messages.</summary>
    internal const int TriggerCheckEvery = 1024;

    private readonly ProcessorOptions _options = processorOptions.Value;
    private IMessageSource? _source;

    /// <summary>Lanes currently assigned (a snapshot, safe from any thread).</summary>
    public IReadOnlyList<PartitionLane> Lanes => lanes.Current;

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

        telemetry.RegisterGauges();
        var sinceTriggerCheck = 0;
        var lastTriggerCheck = timeProvider.GetTimestamp();
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var received = source.TryReceive(_options.PollTimeout, out var message);
                if (received)
                {
                    router.Route(in message);
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
    /// Opens the lanes of newly assigned partitions from their checkpoints; returns where each resumes (null: the
    /// earliest offset). Called by the source, in the engine's flow (<see cref="LaneAssignments.AssignAsync"/>).
    /// </summary>
    public Task<IReadOnlyList<(int Partition, long? StartAt)>> AssignAsync(IReadOnlyCollection<int> partitions) =>
        lanes.AssignAsync(partitions, _source, CancellationToken.None);

    /// <summary>Commits and drops the lanes of revoked partitions (<see cref="LaneAssignments.RevokeAsync"/>).</summary>
    public Task RevokeAsync(IReadOnlyCollection<int> partitions) => lanes.RevokeAsync(partitions, _source, CancellationToken.None);

    /// <summary>Drops the lanes of lost partitions without committing anything (<see cref="LaneAssignments.LoseAsync"/>).</summary>
    public Task LoseAsync(IReadOnlyCollection<int> partitions) => lanes.LoseAsync(partitions, _source);

    /// <summary>
    /// Where a lane goes on when the consumer found its position out of range during the run; null when it cannot tell
    /// (<see cref="LaneAssignments.OffsetOutOfRange"/>). Called by the source, in the engine's flow.
    /// </summary>
    public long? OffsetOutOfRange(int partition) => lanes.OffsetOutOfRange(partition, _source);

    /// <summary>Whether the partition is paused for its lane's retry (assigning it again must not resume it).</summary>
    public bool IsRetrying(int partition) => retry.IsLaneRetrying(partition);

    private async Task RunTriggersAsync(IMessageSource source, bool idle, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetTimestamp();
        telemetry.ReportConsumed();
        lanes.ReportProgress();
        if (retry.OutputWaits(now))
        {
            return;
        }

        foreach (var lane in lanes.Current)
        {
            if (retry.LaneWaits(lane.Partition, now))
            {
                continue; // this lane's own backoff; the others go on
            }

            var due = lane.IsDue(now)
                || retry.IsOutputFailing
                || retry.IsLaneRetrying(lane.Partition);
            if (!await TryCommitAsync(lane, source, due, idle, cancellationToken))
            {
                return;
            }
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
        var waitForFiles = due || idle || retry.IsOutputFailing;
        var resultsWait = idle ? _options.PollTimeout : TimeSpan.Zero;
        var completed = false;
        try
        {
            if (lane.InFlight is { } inFlight && (waitForFiles || inFlight.Write is not { IsCompleted: false }))
            {
                completed = await committer.CompleteAsync(lane, source, resultsWait, cancellationToken);
            }

            if (due && lane.InFlight is null && committer.StartBatch(lane, lanes.CaughtUpAsOf(lane)) && (idle || retry.IsOutputFailing))
            {
                completed |= await committer.CompleteAsync(lane, source, resultsWait, cancellationToken);
            }
        }
        catch (CheckpointConflictException ex)
        {
            // Not a sink failure (the output answered, and a retry would be refused again): the lane stops.
            await lanes.DropConflictedAsync(lane, ex, source);
        }
        catch (Exception ex) when (CommitRetry.IsResultsFailure(ex))
        {
            // The output is fine and the other lanes' results may be too, so only this lane waits.
            if (retry.LaneFailed(lane, ex))
            {
                source.Pause(lane.Partition);
            }

            return true;
        }
        catch (Exception ex) when (CommitRetry.IsOutputFailure(ex))
        {
            retry.OutputFailed(lane, ex);
            source.Pause();
            return false;
        }

        if (completed && retry.LaneCommitted(lane))
        {
            source.Resume(lane.Partition);
        }

        if (retry.OutputRecovered())
        {
            source.Resume();
            foreach (var waiting in lanes.Current)
            {
                if (retry.IsLaneRetrying(waiting.Partition))
                {
                    source.Pause(waiting.Partition); // resuming the output does not resume a lane whose results still fail
                }
            }
        }

        return true;
    }

    private async Task StopAsync(IMessageSource source)
    {
        try
        {
            await lanes.CommitAllAsync(source);

            // Close leaves the group (revoking through RevokeAsync, which finds the lanes already committed).
            source.Close();
        }
        finally
        {
            await lanes.ClearAsync();
            _source = null;
        }

        Log.Stopped(logger);
    }
}
