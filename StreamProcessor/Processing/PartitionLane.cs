using System.Diagnostics;
using Pipeline.ServiceDefaults.Telemetry;
using Pipeline.StreamProcessor.Reporting;
using Pipeline.StreamProcessor.Sinks;
using Pipeline.StreamProcessor.Windowing;

namespace Pipeline.StreamProcessor.Processing;

/// <summary>
/// The state of one assigned partition: its window engine and the open batch, a contiguous offset
/// range <c>[BatchFirstOffset, NextOffset)</c> not yet in the output. Owned by the consumer thread.
/// </summary>
internal sealed class PartitionLane : IDisposable, IReportedPartition
{
    /// <summary>The most producers' contexts a batch's commit span links (the first messages of the batch that had one).</summary>
    public const int MaxTraceLinks = 32;

    private List<ActivityLink>? _traceLinks;

    public PartitionLane(string topic, int partition, PartitionWindows windows, long nextOffset, long batchStartedAt)
    {
        Topic = topic;
        Partition = partition;
        PartitionId = PipelineTelemetry.PartitionId(partition);
        Windows = windows;
        NextOffset = nextOffset;
        BatchStartedAt = batchStartedAt;
    }

    public string Topic { get; }

    public int Partition { get; }

    /// <summary>The partition as <c>messaging.destination.partition.id</c> wants it: a string, built once.</summary>
    public string PartitionId { get; }

    public PartitionWindows Windows { get; }

    public RawEventBatch Raw { get; } = new();

    /// <summary>Windows closed but not yet committed (kept across a failed commit).</summary>
    public List<WindowAggregate> PendingClosed { get; } = [];

    /// <summary>The first offset not yet processed; -1 before the first message of a fresh run.</summary>
    public long NextOffset { get; private set; }

    /// <summary>Offset of the first message of the open batch; -1 when the batch holds no message.</summary>
    public long BatchFirstOffset { get; private set; } = -1;

    /// <summary>Messages (valid or not) in the open batch.</summary>
    public int BatchMessages { get; private set; }

    /// <summary><see cref="TimeProvider.GetTimestamp"/> when the open batch started.</summary>
    public long BatchStartedAt { get; private set; }

    /// <summary>The oldest Kafka timestamp in the open batch (for event-to-commit latency).</summary>
    public DateTime OldestKafkaTimestamp { get; private set; } = DateTime.MaxValue;

    /// <summary>
    /// The producers' contexts of the open batch's first messages, for its commit span's links (null when none);
    /// collected only while tracing listens.
    /// </summary>
    public IEnumerable<ActivityLink>? TraceLinks => _traceLinks is { Count: > 0 } ? _traceLinks : null;

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
        Raw.Add(value.Event, message.Key, offset, kafkaTimestamp);
        return Windows.Add(value.Event) ? LaneResult.Aggregated : LaneResult.Late;
    }

    /// <summary>Starts a new batch after a commit of the previous one.</summary>
    public void CompleteBatch(long now)
    {
        Raw.Clear();
        PendingClosed.Clear();
        BatchMessages = 0;
        BatchFirstOffset = -1;
        BatchStartedAt = now;
        OldestKafkaTimestamp = DateTime.MaxValue;
        _traceLinks?.Clear();
    }

    /// <summary>Restarts the trigger clock of an empty batch (nothing was due to commit).</summary>
    public void RestartTrigger(long now) => BatchStartedAt = now;

    public void Dispose() => Raw.Dispose();
}

internal enum LaneResult
{
    Aggregated,
    Late,
    Rejected,
    Replayed,
}
