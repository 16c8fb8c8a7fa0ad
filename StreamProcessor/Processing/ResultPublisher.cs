using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using Pipeline.ServiceDefaults.Kafka;
using Pipeline.StreamProcessor.Contracts;
using Pipeline.StreamProcessor.Windowing;

namespace Pipeline.StreamProcessor.Processing;

/// <summary>
/// Publishes rejected messages to the dead-letter topic (original bytes and key, the reason and the
/// origin in headers) and closed windows to the windows topic (<see cref="ClosedWindow"/> JSON, key = id). A batch's
/// checkpoint is written only after <see cref="Flush"/> confirmed every message: a crash can repeat
/// them (at least once, same keys and contents) but never lose them. The producer belongs to the container.
/// </summary>
internal sealed class ResultPublisher(IProducer<byte[]?, byte[]> producer, ProcessorOptions options) : IResultPublisher
{
    public const string ReasonHeader = "dlq.reason";
    public const string DetailHeader = "dlq.detail";
    public const string TopicHeader = "dlq.origin.topic";
    public const string PartitionHeader = "dlq.origin.partition";
    public const string OffsetHeader = "dlq.origin.offset";
    public const string TimestampHeader = "dlq.origin.timestamp";

    /// <summary>Set only when the dead letter carries a prefix of the value: the original value's length in bytes.</summary>
    public const string OriginalSizeHeader = "dlq.original.size";

    /// <summary>How much of a value too large to dead-letter whole is kept (the decoder rejects far smaller ones).</summary>
    public const int TruncatedValueBytes = 64 * 1024;

    private readonly string _deadLetterTopic = options.ResolvedDeadLetterTopic;
    private readonly string _windowsTopic = options.ResolvedWindowsTopic;
    private readonly ArrayBufferWriter<byte> _json = new(256);
    private Error? _firstError;

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
        try
        {
            Produce(_deadLetterTopic, message);
        }
        catch (ProduceException<byte[]?, byte[]> ex) when (ex.Error.Code == ErrorCode.MsgSizeTooLarge)
        {
            // The topic accepted a value up to the broker's limit (Kafka's default 1,048,588 bytes), but this
            // producer refuses messages above its message.max.bytes (librdkafka's default 1,000,000) and the
            // dead letter adds headers. Rethrown, it stopped the processor, and the checkpoint never passed the
            // message: a poison pill on every restart. Dead-letter a prefix instead, with the original size.
            headers.Add(OriginalSizeHeader, Encoding.UTF8.GetBytes(message.Value.Length.ToString(CultureInfo.InvariantCulture)));
            message.Value = message.Value[..Math.Min(message.Value.Length, TruncatedValueBytes)];
            Produce(_deadLetterTopic, message);
        }
    }

    public void PublishWindows(IReadOnlyList<WindowAggregate> closed)
    {
        foreach (var window in closed)
        {
            _json.ResetWrittenCount();
            using (var writer = new Utf8JsonWriter(_json))
            {
                JsonSerializer.Serialize(writer, window.ToClosedWindow(), ClosedWindowJsonContext.Default.ClosedWindow);
            }

            Produce(_windowsTopic, new Message<byte[]?, byte[]>
            {
                Key = Encoding.UTF8.GetBytes(window.Id.ToString(CultureInfo.InvariantCulture)),
                Value = _json.WrittenSpan.ToArray(),
                Timestamp = new Timestamp(window.WindowEnd),
            });
        }
    }

    /// <summary>Waits until every message published so far is acknowledged; throws if one failed.</summary>
    public void Flush(TimeSpan timeout)
    {
        var pending = producer.Flush(timeout);
        var error = Interlocked.Exchange(ref _firstError, null);
        if (error is not null)
        {
            throw new ResultPublishException($"A dead-letter/window message was refused: {error.Reason}", new KafkaException(error));
        }

        if (pending > 0)
        {
            throw new TimeoutException($"{pending} dead-letter/window message(s) not acknowledged within {timeout}.");
        }
    }

    private void Produce(string topic, Message<byte[]?, byte[]> message) =>
        producer.ProduceWithBackpressure(topic, message, OnDelivery, TimeSpan.FromMilliseconds(50));

    private void OnDelivery(DeliveryReport<byte[]?, byte[]> report)
    {
        if (report.Error.IsError)
        {
            Interlocked.CompareExchange(ref _firstError, report.Error, null);
        }
    }
}
