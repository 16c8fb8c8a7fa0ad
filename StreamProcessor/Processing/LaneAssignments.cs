using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Options;
using Pipeline.StreamProcessor.Checkpointing;
using Pipeline.StreamProcessor.Reporting;

namespace Pipeline.StreamProcessor.Processing;

/// <summary>
/// The lanes of the assigned partitions, and every way a lane comes and goes: opened from its checkpoint on assignment
/// (<see cref="AssignAsync"/>), committed then dropped on revoke (the next owner resumes from its checkpoint), dropped
/// without committing when its partition is lost or its checkpoint was written by another owner
/// (<see cref="CheckpointConflictException"/>), committed on stop. A dropped lane leaves nothing behind: its keys, its
/// retry, its results' tracking and its partition's pause go with it. Changed on the engine's thread only; <see cref="Current"/>
/// is a snapshot, safe from any thread.
/// </summary>
internal sealed class LaneAssignments(
    LaneFactory laneFactory,
    BatchCommitter committer,
    CommitRetry retry,
    IResultPublisher publisher,
    LogRangeGuard logRange,
    PartitionProber prober,
    ProgressTracker progress,
    LiveView liveView,
    IOptions<ProcessorOptions> options,
    ILogger<LaneAssignments> logger)
{
    private readonly string _topic = options.Value.Topic;
    private readonly Dictionary<int, PartitionLane> _lanes = [];
    private volatile PartitionLane[] _snapshot = [];

    /// <summary>The lanes currently assigned (a snapshot, safe from any thread).</summary>
    public PartitionLane[] Current => _snapshot;

    /// <summary>Which partition each id was first seen in: a key in two partitions is reported.</summary>
    public KeyOwnership Keys { get; } = new();

    /// <summary>The lane of <paramref name="partition"/>; false when it is not assigned here (revoked between fetch and delivery).</summary>
    public bool TryGet(int partition, [MaybeNullWhen(false)] out PartitionLane lane) => _lanes.TryGetValue(partition, out lane);

    /// <summary>Whether the lane may count as idle: when the broker last confirmed there is nothing beyond its position.</summary>
    public long? CaughtUpAsOf(PartitionLane lane) => prober.CaughtUpAsOf(lane.Partition, lane.NextOffset);

    /// <summary>
    /// Opens the lanes of newly assigned partitions from their checkpoints (waiting out a failing output:
    /// <see cref="CommitRetry.OpenAsync"/>); returns where each resumes (null: the earliest offset), checked against the
    /// log (<see cref="LogRangeGuard"/>) while the engine runs. A partition whose checkpoint another processor keeps saving
    /// is logged like any refused checkpoint, and not consumed here.
    /// </summary>
    public async Task<IReadOnlyList<(int Partition, long? StartAt)>> AssignAsync(
        IReadOnlyCollection<int> partitions, IMessageSource? source, CancellationToken cancellationToken)
    {
        var starts = new List<(int, long?)>(partitions.Count);
        foreach (var partition in partitions)
        {
            (PartitionLane Lane, long? StartAt) opened;
            try
            {
                opened = await retry.OpenAsync(_topic, partition, ct => laneFactory.OpenAsync(_topic, partition, ct), cancellationToken);
            }
            catch (CheckpointConflictException ex)
            {
                Log.CheckpointConflict(logger, ex, _topic, partition);
                continue;
            }

            var (lane, startAt) = opened;
            if (_lanes.Remove(partition, out var stale))
            {
                Forget(stale, source);
                await stale.DisposeAsync();
            }

            _lanes[partition] = lane;
            starts.Add((partition, source is not null ? logRange.StartAt(lane.Topic, partition, startAt, source) : startAt));
        }

        Changed();
        Log.Assigned(logger, string.Join(',', partitions));
        return starts;
    }

    /// <summary>
    /// Commits and drops the lanes of revoked partitions (the next owner resumes from their checkpoints); a
    /// failed commit only means the next owner replays from the previous checkpoint.
    /// </summary>
    public async Task RevokeAsync(IReadOnlyCollection<int> partitions, IMessageSource? source, CancellationToken cancellationToken)
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
                await committer.CommitAsync(lane, Running(source), CaughtUpAsOf(lane), cancellationToken);
            }
            catch (CheckpointConflictException ex)
            {
                // Another owner already took the partition over: nothing of this lane may land.
                Log.CheckpointConflict(logger, ex, lane.Topic, lane.Partition);
            }
            catch (Exception ex) when (CommitRetry.IsCommitFailure(ex))
            {
                // The next owner replays from the last checkpoint; nothing is lost or duplicated.
                Log.RevokeCommitFailed(logger, ex, lane.Topic, lane.Partition);
            }

            Forget(lane, source);
            await lane.DisposeAsync();
        }

        Changed();
        Log.Revoked(logger, string.Join(',', partitions));
    }

    /// <summary>Drops the lanes of lost partitions without committing anything: another owner may already have them.</summary>
    public async Task LoseAsync(IReadOnlyCollection<int> partitions, IMessageSource? source)
    {
        foreach (var partition in partitions)
        {
            if (_lanes.Remove(partition, out var lane))
            {
                Forget(lane, source);
                await committer.AbandonAsync(lane);
                await lane.DisposeAsync();
            }
        }

        Changed();
        Log.Lost(logger, string.Join(',', partitions));
    }

    /// <summary>
    /// A lane whose checkpoint another owner wrote (<see cref="CheckpointConflictException"/>): its partition is lost
    /// to it, whatever the source says, so it is dropped like a lost one, without committing or giving an offset hint.
    /// Its later messages are ignored until the partition is assigned again.
    /// </summary>
    public async Task DropConflictedAsync(PartitionLane lane, CheckpointConflictException conflict, IMessageSource? source)
    {
        Log.CheckpointConflict(logger, conflict, lane.Topic, lane.Partition);
        if (_lanes.TryGetValue(lane.Partition, out var current) && ReferenceEquals(current, lane))
        {
            _lanes.Remove(lane.Partition);
            Forget(lane, source);
            await committer.AbandonAsync(lane);
            await lane.DisposeAsync();
            Changed();
        }
    }

    /// <summary>
    /// Where a lane goes on when the consumer found its position out of range during the run (retention deleted what it
    /// had not read yet, or the topic was recreated): checked by <see cref="LogRangeGuard"/> like a resume; null when the
    /// partition is not assigned here or its leader did not answer (the consumer then tries its position again).
    /// </summary>
    public long? OffsetOutOfRange(int partition, IMessageSource? source)
    {
        if (!_lanes.TryGetValue(partition, out var lane))
        {
            return null;
        }

        var next = Math.Max(lane.NextOffset, 0);
        return Running(source).QueryOffsets(partition, options.Value.PartitionProbeTimeout) is { } log
            ? logRange.ResumeAt(lane.Topic, partition, next, log)
            : null;
    }

    /// <summary>
    /// The stop: commits every lane (one whose checkpoint another owner wrote is dropped, a failed commit is only logged:
    /// the next start replays from the last checkpoint), and tells what the rate-limited commit line has not told yet.
    /// </summary>
    public async Task CommitAllAsync(IMessageSource source)
    {
        foreach (var lane in _snapshot)
        {
            try
            {
                await committer.CommitAsync(lane, source, CaughtUpAsOf(lane), CancellationToken.None);
            }
            catch (CheckpointConflictException ex)
            {
                await DropConflictedAsync(lane, ex, source);
            }
            catch (Exception ex) when (CommitRetry.IsCommitFailure(ex))
            {
                Log.RevokeCommitFailed(logger, ex, lane.Topic, lane.Partition);
            }

            LogUnloggedCommits(lane);
        }
    }

    /// <summary>
    /// Refreshes the progress report (throttled by the tracker; forced on every assignment change) and the live view of
    /// the windows (at its update interval) from the lanes.
    /// </summary>
    public void ReportProgress()
    {
        progress.Update(_snapshot);
        liveView.Report(_snapshot);
    }

    /// <summary>Drops every lane that is left once the engine has stopped.</summary>
    public async Task ClearAsync()
    {
        foreach (var lane in _lanes.Values)
        {
            await lane.DisposeAsync();
        }

        _lanes.Clear();
        Changed();
    }

    /// <summary>
    /// What a dropped lane leaves behind: its keys, its retry, its results' tracking, and the pause of its partition
    /// (still assigned while the rebalance callback runs), which would otherwise outlast it if the partition came back.
    /// </summary>
    private void Forget(PartitionLane lane, IMessageSource? source)
    {
        LogUnloggedCommits(lane);
        Keys.Release(lane.Partition);
        publisher.Forget(lane.Partition);
        if (retry.Forget(lane.Partition))
        {
            source?.Resume(lane.Partition);
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

    private void Changed()
    {
        _snapshot = [.. _lanes.Values];
        progress.Update(_snapshot, force: true);
    }

    private static IMessageSource Running(IMessageSource? source) =>
        source ?? throw new InvalidOperationException("Partitions change only while the engine runs.");
}
