namespace Pipeline.StreamProcessor.Reporting;

/// <summary>
/// The lanes' progress as the HTTP thread and the gauges may read it: on the engine's thread, at most every
/// <see cref="SnapshotInterval"/> (and at every assignment change), the lanes (<see cref="IReportedPartition"/>, the
/// live view's seam) are read into an immutable <see cref="ProgressSnapshot"/>, published by one reference write.
/// Nothing of a lane is ever read off the engine's thread: its windows and counters are not thread-safe.
/// </summary>
internal sealed class ProgressTracker(TimeProvider timeProvider)
{
    /// <summary>Longest a snapshot is behind the lanes while the engine runs (it snapshots at trigger checks).</summary>
    public static readonly TimeSpan SnapshotInterval = TimeSpan.FromSeconds(1);

    /// <summary>The recent interval the input and processing rates are measured over.</summary>
    public static readonly TimeSpan RateInterval = TimeSpan.FromSeconds(10);

    private readonly Dictionary<LaneProgress, Queue<RateSample>> _samples = [];
    private readonly HashSet<long> _windowStarts = [];
    private volatile ProgressSnapshot _current = ProgressSnapshot.Empty;
    private long? _snapshotAt;

    /// <summary>The latest snapshot (safe from any thread).</summary>
    public ProgressSnapshot Current => _current;

    /// <summary>Snapshots the lanes if <see cref="SnapshotInterval"/> has passed since the last (or when <paramref name="force"/>d). Engine thread only.</summary>
    public void Update(IReadOnlyList<IReportedPartition> lanes, bool force = false)
    {
        ArgumentNullException.ThrowIfNull(lanes);
        var now = timeProvider.GetTimestamp();
        if (!force && _snapshotAt is { } last && timeProvider.GetElapsedTime(last, now) < SnapshotInterval)
        {
            return;
        }

        _snapshotAt = now;
        var partitions = new PartitionState[lanes.Count];
        for (var i = 0; i < lanes.Count; i++)
        {
            partitions[i] = Snapshot(lanes[i], now);
        }

        ForgetGone(lanes);
        Array.Sort(partitions, static (a, b) => a.Partition.CompareTo(b.Partition));
        _current = new ProgressSnapshot(timeProvider.GetUtcNow(), partitions);
    }

    private PartitionState Snapshot(IReportedPartition lane, long now)
    {
        var progress = lane.Progress;
        var windows = lane.Windows;
        var (input, processed) = Rates(progress, now);
        var open = windows.CountOpenWindows(_windowStarts);
        var sinceOpened = timeProvider.GetElapsedTime(progress.OpenedAt, now);
        return new PartitionState(
            lane.Topic,
            lane.Partition,
            progress.CommittedOffset,
            lane.NextOffset >= 0 ? lane.NextOffset : null,
            windows.Watermark,
            windows.MaxEventTime,
            open,
            windows.OpenCount,
            windows.LateEvents,
            progress.LastCommit,
            progress.Commits,
            progress.Commits > 0 ? progress.TotalCommitDuration / progress.Commits : null,
            input,
            processed,
            sinceOpened > TimeSpan.Zero ? progress.FilesCommitted / sinceOpened.TotalHours : null);
    }

    /// <summary>
    /// Messages consumed and committed per second since the oldest sample within <see cref="RateInterval"/> (null until a
    /// second sample exists): a recent rate, not a lifetime average, so a stall shows within the interval.
    /// </summary>
    private (double? Input, double? Processed) Rates(LaneProgress progress, long now)
    {
        if (!_samples.TryGetValue(progress, out var samples))
        {
            _samples[progress] = samples = new Queue<RateSample>();
        }

        samples.Enqueue(new RateSample(now, progress.Consumed, progress.CommittedMessages));
        while (samples.Count > 2 && timeProvider.GetElapsedTime(samples.Peek().At, now) > RateInterval)
        {
            samples.Dequeue();
        }

        var oldest = samples.Peek();
        var seconds = timeProvider.GetElapsedTime(oldest.At, now).TotalSeconds;
        return seconds <= 0
            ? (null, null)
            : ((progress.Consumed - oldest.Consumed) / seconds, (progress.CommittedMessages - oldest.Committed) / seconds);
    }

    private void ForgetGone(IReadOnlyList<IReportedPartition> lanes)
    {
        if (_samples.Count <= lanes.Count)
        {
            return;
        }

        var current = lanes.Select(static l => l.Progress).ToHashSet();
        foreach (var gone in _samples.Keys.Where(p => !current.Contains(p)).ToList())
        {
            _samples.Remove(gone);
        }
    }

    private readonly record struct RateSample(long At, long Consumed, long Committed);
}

/// <summary>The assigned partitions' progress at one moment, sorted by partition.</summary>
internal sealed record ProgressSnapshot(DateTimeOffset? At, IReadOnlyList<PartitionState> Partitions)
{
    public static readonly ProgressSnapshot Empty = new(null, []);
}

/// <summary>One partition's progress when its snapshot was taken (offsets null: none yet).</summary>
internal sealed record PartitionState(
    string Topic,
    int Partition,
    long? CommittedOffset,
    long? Position,
    DateTime? Watermark,
    DateTime? MaxEventTime,
    int OpenWindows,
    int StateRows,
    long LateEvents,
    CommitFacts? LastCommit,
    long Commits,
    TimeSpan? AverageCommitDuration,
    double? InputRate,
    double? ProcessingRate,
    double? FilesPerHour);
