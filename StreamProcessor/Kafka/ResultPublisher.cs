using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using Pipeline.ServiceDefaults.Kafka;
using Pipeline.StreamProcessor.Contracts;
using Pipeline.StreamProcessor.Processing;
using Pipeline.StreamProcessor.Windowing;

namespace Pipeline.StreamProcessor.Kafka;

/// <summary>
/// Publishes rejected messages to the dead-letter topic (original bytes and key, the reason and the
/// origin in headers) and closed windows to the windows topic (<see cref="ClosedWindow"/> JSON, key = id). A batch's
/// checkpoint is written only after <see cref="TryConfirm"/> confirmed every message of its lane: a crash can repeat
/// them (at least once, same keys and contents) but never lose them. Each lane's messages are tracked on their own
/// (<see cref="LaneDeliveries"/>): the producer's <c>Flush</c> would wait for every lane's, so one results partition
/// without a leader used to hold back every lane's commit. The producer belongs to the container.
/// </summary>
internal sealed class ResultPublisher(IProducer<byte[]?, byte[]> producer, ProcessorOptions options) : IResultPublisher
{
    public const string ReasonHeader = "dlq.reason";
    public const string DetailHeader = "dlq.detail";
    public const string TopicHeader = "dlq.origin.topic";
    public const string PartitionHeader = "dlq.origin.partition";
    public const string OffsetHeader = "dlq.origin.offset";
    public const string TimestampHeader = "dlq.origin.timestamp";

    /// <summary>
    /// On every closed window: the input topic and partition whose lane closed it. A window's key (id) and start identify
    /// a repeat after a crash (same content); the origin tells a repeat from a second partial window of an id that was
    /// not keyed by id and so reached two partitions.
    /// </summary>
    public const string WindowTopicHeader = "window.origin.topic";

    public const string WindowPartitionHeader = "window.origin.partition";

    /// <summary>Set only when the dead letter carries a prefix of the value: the original value's length in bytes.</summary>
    public const string OriginalSizeHeader = "dlq.original.size";

    /// <summary>How much of a value too large to dead-letter whole is kept (the decoder rejects far smaller ones).</summary>
    public const int TruncatedValueBytes = 64 * 1024;

    private readonly string _deadLetterTopic = options.ResolvedDeadLetterTopic;
    private readonly string _windowsTopic = options.ResolvedWindowsTopic;
    private readonly ArrayBufferWriter<byte> _json = new(256);

    // Written on the engine's thread only; each tracker is also reached from the producer's delivery reports.
    private readonly Dictionary<int, LaneDeliveries> _lanes = [];

    public void PublishRejected(in SourceMessage rejected)
    {
        var value = rejected.Value;
        var headers = new Headers();
        if (rejected.Headers is { } original)
        {
            foreach (var header in original)
            {
                headers.Add(header.Key, header.Value);
            }
        }

        headers.Add(ReasonHeader, Encoding.UTF8.GetBytes(value.RejectReason ?? "unknown"));
        headers.Add(DetailHeader, Encoding.UTF8.GetBytes(value.RejectDetail ?? string.Empty));
        // The consumer does not copy topic names (ConsumeResultFields): it reads the configured topic only.
        headers.Add(TopicHeader, Encoding.UTF8.GetBytes(options.Topic));
        headers.Add(PartitionHeader, Encoding.UTF8.GetBytes(rejected.Partition.ToString(CultureInfo.InvariantCulture)));
        headers.Add(OffsetHeader, Encoding.UTF8.GetBytes(rejected.Offset.ToString(CultureInfo.InvariantCulture)));
        headers.Add(TimestampHeader, Encoding.UTF8.GetBytes(Timestamp.DateTimeToUnixTimestampMs(rejected.Timestamp).ToString(CultureInfo.InvariantCulture)));
        var message = new Message<byte[]?, byte[]>
        {
            Key = rejected.Key is null ? null : Encoding.UTF8.GetBytes(rejected.Key),
            Value = value.OriginalBytes ?? [],
            Headers = headers,
        };
        var lane = Lane(rejected.Partition);
        try
        {
            Produce(lane, _deadLetterTopic, message);
        }
        catch (ProduceException<byte[]?, byte[]> ex) when (ex.Error.Code == ErrorCode.MsgSizeTooLarge)
        {
            // The topic accepted a value up to the broker's limit (Kafka's default 1,048,588 bytes), but this
            // producer refuses messages above its message.max.bytes (librdkafka's default 1,000,000) and the
            // dead letter adds headers. Rethrown, it stopped the processor, and the checkpoint never passed the
            // message: a poison pill on every restart. Dead-letter a prefix instead, with the original size.
            headers.Add(OriginalSizeHeader, Encoding.UTF8.GetBytes(message.Value.Length.ToString(CultureInfo.InvariantCulture)));
            message.Value = message.Value[..Math.Min(message.Value.Length, TruncatedValueBytes)];
            Produce(lane, _deadLetterTopic, message);
        }
    }

    public long PublishWindows(int partition, IReadOnlyList<WindowAggregate> closed)
    {
        var lane = Lane(partition);
        foreach (var window in closed)
        {
            _json.ResetWrittenCount();
            using (var writer = new Utf8JsonWriter(_json))
            {
                JsonSerializer.Serialize(writer, window.ToClosedWindow(), ClosedWindowJsonContext.Default.ClosedWindow);
            }

            Produce(lane, _windowsTopic, new Message<byte[]?, byte[]>
            {
                Key = Encoding.UTF8.GetBytes(window.Id.ToString(CultureInfo.InvariantCulture)),
                Value = _json.WrittenSpan.ToArray(),
                Timestamp = new Timestamp(window.WindowEnd),
                Headers = new Headers
                {
                    { WindowTopicHeader, Encoding.UTF8.GetBytes(options.Topic) },
                    { WindowPartitionHeader, Encoding.UTF8.GetBytes(partition.ToString(CultureInfo.InvariantCulture)) },
                },
            });
        }

        return lane.Mark;
    }

    public bool TryConfirm(int partition, long mark, TimeSpan wait)
    {
        if (!_lanes.TryGetValue(partition, out var lane))
        {
            return true;
        }

        // Only what failed goes out again; a message still in flight may yet be acknowledged (librdkafka retries it
        // until message.timeout.ms), and one acknowledged is no longer tracked.
        foreach (var failed in lane.TakeFailed(mark))
        {
            try
            {
                producer.ProduceWithBackpressure(failed.Topic, failed.Message, report => lane.OnReport(failed, report.Error),
                    TimeSpan.FromMilliseconds(50));
            }
            catch (ProduceException<byte[]?, byte[]> ex)
            {
                lane.OnReport(failed, ex.Error); // still failed: the next retry publishes it again
                throw new ResultPublishException($"A dead-letter/window message of partition {partition} was refused: {ex.Error.Reason}", ex);
            }
        }

        var (inFlight, failure) = lane.Wait(mark, wait);
        if (failure is not null)
        {
            throw new ResultPublishException(
                $"A dead-letter/window message of partition {partition} was refused: {failure.Reason}", new KafkaException(failure));
        }

        return inFlight == 0;
    }

    public void Forget(int partition) => _lanes.Remove(partition);

    private LaneDeliveries Lane(int partition)
    {
        if (!_lanes.TryGetValue(partition, out var lane))
        {
            lane = new LaneDeliveries();
            _lanes[partition] = lane;
        }

        return lane;
    }

    private void Produce(LaneDeliveries lane, string topic, Message<byte[]?, byte[]> message)
    {
        var delivery = lane.Add(topic, message);
        try
        {
            producer.ProduceWithBackpressure(delivery.Topic, delivery.Message, report => lane.OnReport(delivery, report.Error),
                TimeSpan.FromMilliseconds(50));
        }
        catch
        {
            lane.Remove(delivery); // never queued: the caller decides (a dead letter too large is cut and produced again)
            throw;
        }
    }
}
