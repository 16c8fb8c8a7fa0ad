using System.Diagnostics;
using Pipeline.ServiceDefaults.Telemetry;
using Pipeline.StreamProcessor.Checkpointing;
using Pipeline.StreamProcessor.Reporting;
using Pipeline.StreamProcessor.Sinks;
using Pipeline.StreamProcessor.Windowing;

namespace Pipeline.StreamProcessor.Processing;

/// <summary>
/// The state of one assigned partition: its window engine, the open batch (a contiguous offset range
/// <c>[BatchFirstOffset, NextOffset)</c> not yet in the output) and at most one sealed batch whose commit is under
/// way (<see cref="InFlight"/>). Each message is added (<see cref="Add"/>); when the batch is due the lane seals it
/// (<see cref="Seal"/>) into the <see cref="SealedBatch"/> the <see cref="BatchCommitter"/> makes durable, and goes on
/// with the next batch until that one is <see cref="Completed"/>. Owned by the engine's thread; only the sealed
/// batch's file write and the partition's compaction (<see cref="StartCompaction"/>) run elsewhere.
/// </summary>
internal sealed class PartitionLane : IAsyncDisposable, IReportedPartition
{
    /// <summary>The most producers' contexts a batch's commit span links (the first messages of the batch that had one).</summary>
    public const int MaxTraceLinks = 32;

    private RawEventBatch _raw = new();
    private RawEventBatch? _spare;
    private List<ActivityLink>? _traceLinks;

    private readonly BatchTrigger _trigger;
    private readonly CancellationTokenSource _compactionStop = new();
    private bool _disposed;

    public PartitionLane(string topic, int partition, PartitionWindows windows, long nextOffset, long batchStartedAt, BatchTrigger trigger)
    {
        _trigger = trigger;
        Progress = new LaneProgress(batchStartedAt, nextOffset >= 0 ? nextOffset : null);
        Topic = topic;
        Partition = partition;
        PartitionId = PipelineTelemetry.PartitionId(partition);
        Windows = windows;
        NextOffset = nextOffset;
        CommittedNextOffset = nextOffset;
        BatchStartedAt = batchStartedAt;
        CompactionStartedAt = batchStartedAt;
    }

    public string Topic { get; }

    public int Partition { get; }

    /// <summary>The partition as <c>messaging.destination.partition.id</c> wants it: a string, built once.</summary>
    public string PartitionId { get; }

    public PartitionWindows Windows { get; }

    /// <summary>What the lane has consumed and committed since it was opened (for the progress report and the commit log line).</summary>
    public LaneProgress Progress { get; }

    /// <summary>The sealed batch being committed (kept across a failed commit until it lands), or null.</summary>
    public SealedBatch? InFlight { get; private set; }

    /// <summary>
    /// The lane's hold on its partition (taken by the fence when the lane opened): the checkpoint version its next save
    /// is conditional on, which a checkpoint written by another owner no longer matches.
    /// </summary>
    public required PartitionOwnership Ownership { get; init; }

    /// <summary>
    /// The next offset of the partition's last saved checkpoint (-1 before anything was committed): every file below it is
    /// committed and immutable, so a compaction may merge them (the batch in flight starts at or beyond it).
    /// </summary>
    public long CommittedNextOffset { get; private set; }

    /// <summary>The compaction of the partition's files running in the background (<see cref="StartCompaction"/>), or the last one, or null.</summary>
    public Task? Compaction { get; private set; }

    /// <summary><see cref="TimeProvider.GetTimestamp"/> when the last compaction started (when the lane opened, before the first).</summary>
    public long CompactionStartedAt { get; private set; }

    /// <summary>
    /// Runs <paramref name="compaction"/> off the lane's thread, like the batch writes; the lane waits for it (cancelled
    /// before its commit) when it is dropped. At most one runs at a time.
    /// </summary>
    public void StartCompaction(Func<CancellationToken, Task> compaction, long now)
    {
        ArgumentNullException.ThrowIfNull(compaction);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (Compaction is { IsCompleted: false })
        {
            throw new InvalidOperationException($"Partition {Partition} is already compacting.");
        }

        CompactionStartedAt = now;
        var stop = _compactionStop.Token;
        Compaction = Task.Run(() => compaction(stop), CancellationToken.None);
    }

    /// <summary>The first offset not yet processed; -1 before the first message of a fresh run.</summary>
    public long NextOffset { get; private set; }

    /// <summary>Offset of the first message of the open batch; -1 when the batch holds no message.</summary>
    public long BatchFirstOffset { get; private set; } = -1;

    /// <summary>Messages (valid or not) in the open batch.</summary>
    public int BatchMessages { get; private set; }

    /// <summary><see cref="TimeProvider.GetTimestamp"/> when the open batch started.</summary>
    public long BatchStartedAt { get; private set; }

    /// <summary>
    /// Whether the open batch is due at <paramref name="now"/> (a <see cref="TimeProvider.GetTimestamp"/>): it holds
    /// <see cref="SinkOptions.MaxBatchRows"/> messages, or <see cref="SinkOptions.TriggerInterval"/> has passed since it started.
    /// </summary>
    public bool IsDue(long now) =>
        BatchMessages >= _trigger.MaxRows || _trigger.Elapsed(BatchStartedAt, now) >= _trigger.Interval;

    /// <summary>The oldest Kafka timestamp in the open batch (for event-to-commit latency).</summary>
    public DateTime OldestKafkaTimestamp { get; private set; } = DateTime.MaxValue;

    /// <summary>Whether a message at <paramref name="offset"/> is a replay below <see cref="NextOffset"/>, which <see cref="Add"/> ignores.</summary>
    public bool IsReplay(long offset) => NextOffset >= 0 && offset < NextOffset;

    /// <summary>Whether the message at <paramref name="offset"/> would be linked: the batch has room for links and it is no replay.</summary>
    public bool WantsTraceLink(long offset) => (_traceLinks is null || _traceLinks.Count < MaxTraceLinks) && !IsReplay(offset);

    /// <summary>Keeps a message's producer context as a link of the batch's commit span (call when <see cref="WantsTraceLink"/>); none is ignored.</summary>
    public void AddTraceLink(ActivityContext producer)
    {
        if (producer != default)
        {
            (_traceLinks ??= new List<ActivityLink>(MaxTraceLinks)).Add(new ActivityLink(producer));
        }
    }

    /// <summary>Adds one consumed message to the open batch. Replays below <see cref="NextOffset"/> are ignored.</summary>
    public LaneResult Add(in SourceMessage message, long now)
    {
        var offset = message.Offset;
        if (IsReplay(offset))
        {
            return LaneResult.Replayed;
        }

        if (BatchMessages == 0)
        {
            BatchFirstOffset = offset;
            BatchStartedAt = now;
        }

        BatchMessages++;
        NextOffset = offset + 1;
        Progress.CountConsumed();
        var kafkaTimestamp = message.Timestamp;
        if (kafkaTimestamp < OldestKafkaTimestamp)
        {
            OldestKafkaTimestamp = kafkaTimestamp;
        }

        var value = message.Value;
        if (!value.IsValid)
        {
            return LaneResult.Rejected;
        }

        // The raw sink has no watermark (as in Spark): late events are still written.
        _raw.Add(value.Event, message.Key, offset, kafkaTimestamp);
        return Windows.Add(value.Event) ? LaneResult.Aggregated : LaneResult.Late;
    }

    /// <summary>
    /// Seals the open batch: advances an idle partition's watermark (only up to when the broker last confirmed it
    /// had nothing more: <paramref name="caughtUpAsOf"/>, which the engine passes in), drains the windows the
    /// watermark has passed, snapshots the open ones into the checkpoint the batch will leave behind, and hands over
    /// its rows and trace links; the lane goes on with a new batch. Null, with the trigger clock restarted, when the
    /// batch holds neither messages nor closed windows. The lane must have no batch in flight.
    /// </summary>
    /// <param name="caughtUpAsOf">When the broker last confirmed the partition holds nothing beyond the lane's position; null if it did not lately.</param>
    /// <param name="now"><see cref="TimeProvider.GetTimestamp"/>: the batch's seal time, and the next batch's start.</param>
    public SealedBatch? Seal(long? caughtUpAsOf, long now)
    {
        if (InFlight is not null)
        {
            throw new InvalidOperationException($"Partition {Partition} already has a batch in flight.");
        }

        Windows.AdvanceIdle(caughtUpAsOf);
        var closed = new List<WindowAggregate>();
        Windows.DrainClosed(closed);
        if (BatchMessages == 0 && closed.Count == 0)
        {
            BatchStartedAt = now; // nothing was due: the trigger clock starts again
            return null;
        }

        var open = new List<WindowAggregate>();
        Windows.SnapshotOpen(open);
        var checkpoint = new PartitionCheckpoint(Topic, Partition, NextOffset, Windows.MaxEventTime, Windows.Watermark, open, Windows.LateEvents);
        var firstOffset = BatchFirstOffset;
        var messages = BatchMessages;
        var oldest = OldestKafkaTimestamp;
        var links = TakeTraceLinks();
        InFlight = new SealedBatch(TakeBatch(now), closed, checkpoint, firstOffset, messages, oldest, now) { TraceLinks = links };
        return InFlight;
    }

    /// <summary>The batch in flight is committed: the lane may seal the next, on its buffers.</summary>
    public void Completed(SealedBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (!ReferenceEquals(batch, InFlight))
        {
            throw new InvalidOperationException($"Partition {Partition}: the completed batch is not the one in flight.");
        }

        InFlight = null;
        CommittedNextOffset = batch.NextOffset;
        Recycle(batch.Raw);
    }

    /// <summary>
    /// Hands the open batch's rows over to be sealed and starts a new batch, on the buffers of the last committed
    /// batch when they are back (<see cref="Recycle"/>), so the steady state allocates no new buffers.
    /// </summary>
    private RawEventBatch TakeBatch(long now)
    {
        var raw = _raw;
        _raw = _spare ?? RawEventBatch.SizedLike(raw);
        _spare = null;
        BatchMessages = 0;
        BatchFirstOffset = -1;
        BatchStartedAt = now;
        OldestKafkaTimestamp = DateTime.MaxValue;
        return raw;
    }

    /// <summary>Takes back the rows of a committed batch as the buffers of a later one.</summary>
    private void Recycle(RawEventBatch raw)
    {
        raw.Clear();
        _spare ??= raw;
    }

    /// <summary>Hands the open batch's trace links over to its commit span (null when none) and starts the next batch's.</summary>
    private List<ActivityLink>? TakeTraceLinks()
    {
        var links = _traceLinks is { Count: > 0 } ? _traceLinks : null;
        if (links is not null)
        {
            _traceLinks = null;
        }

        return links;
    }

    /// <summary>
    /// Drops the lane once a background write of its batch in flight and its compaction have finished (a compaction is
    /// cancelled first: it stops before its commit, or finishes the deletes after it), so nothing of a revoked, lost or
    /// stopped lane is still writing after it is gone.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (InFlight?.Write is { } write)
        {
            // Its outcome no longer matters: only that it is done.
            await ((Task)write).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        InFlight = null;
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await _compactionStop.CancelAsync();
        if (Compaction is { } compaction)
        {
            await compaction.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        _compactionStop.Dispose();
    }
}

internal enum LaneResult
{
    Aggregated,
    Late,
    Rejected,
    Replayed,
}

/// <summary>When a lane's open batch is due (<see cref="SinkOptions.MaxBatchRows"/>, <see cref="SinkOptions.TriggerInterval"/>), on the clock's timestamps.</summary>
internal readonly record struct BatchTrigger(int MaxRows, TimeSpan Interval, long TimestampFrequency)
{
    /// <summary>The time between two timestamps, computed as <see cref="TimeProvider.GetElapsedTime(long, long)"/> does.</summary>
    public TimeSpan Elapsed(long start, long end) => new((long)((end - start) * ((double)TimeSpan.TicksPerSecond / TimestampFrequency)));
}
