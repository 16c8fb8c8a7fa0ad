using System.Diagnostics.Metrics;
using Pipeline.KafkaBroker.Protocol;
using Pipeline.KafkaBroker.Storage;

namespace Pipeline.KafkaBroker.Telemetry;

/// <summary>
/// The broker's instruments. The meter comes from the host's <see cref="IMeterFactory"/> when there is
/// one (the factory owns it), otherwise the broker owns it and disposing the broker disposes it.
/// Recording is allocation-free: the tag of each API key is built once.
/// </summary>
internal sealed class BrokerMetrics : IDisposable
{
    private static readonly KeyValuePair<string, object?>[] s_apiKeyTags = BuildApiKeyTags();
    private readonly Meter? _ownedMeter;
    private readonly TopicRegistry _topics;
    private volatile bool _disposed;

    public BrokerMetrics(IMeterFactory? meterFactory, TopicRegistry topics, string address, int port)
    {
        _topics = topics;
        var options = new MeterOptions(KafkaBrokerTelemetry.MeterName)
        {
            Version = KafkaBrokerTelemetry.MeterVersion,
            Tags =
            [
                new(KafkaBrokerTelemetry.Tags.ServerAddress, address),
                new(KafkaBrokerTelemetry.Tags.ServerPort, port),
            ],
        };
        if (meterFactory is null)
        {
            _ownedMeter = new Meter(options);
        }

        Meter = meterFactory?.Create(options) ?? _ownedMeter!;
        Connections = Meter.CreateUpDownCounter<long>(KafkaBrokerTelemetry.Names.Connections, "{connection}", "Open client connections.");
        Requests = Meter.CreateCounter<long>(KafkaBrokerTelemetry.Names.Requests, "{request}", "Requests handled, by API key.");
        BytesReceived = Meter.CreateCounter<long>(KafkaBrokerTelemetry.Names.BytesReceived, "By", "Request bytes read from clients, size prefixes included.");
        BytesSent = Meter.CreateCounter<long>(KafkaBrokerTelemetry.Names.BytesSent, "By", "Response bytes written to clients, size prefixes included.");
        Meter.CreateObservableGauge(KafkaBrokerTelemetry.Names.LogEndOffset, () => ObservePartitions(p => p.HighWatermark), "{offset}",
            "Offset the next record appended to the partition gets.");
        Meter.CreateObservableGauge(KafkaBrokerTelemetry.Names.LogStartOffset, () => ObservePartitions(p => p.LogStartOffset), "{offset}",
            "First offset the partition still holds (moved by retention and DeleteRecords).");
        RetentionSegmentsDeleted = Meter.CreateCounter<long>(KafkaBrokerTelemetry.Names.RetentionSegmentsDeleted, "{segment}",
            "Log segments deleted by retention, by topic and partition.");
        RetentionBytesDeleted = Meter.CreateCounter<long>(KafkaBrokerTelemetry.Names.RetentionBytesDeleted, "By",
            "Bytes of log segments deleted by retention, by topic and partition.");
    }

    public Meter Meter { get; }

    public UpDownCounter<long> Connections { get; }

    public Counter<long> Requests { get; }

    public Counter<long> BytesReceived { get; }

    public Counter<long> BytesSent { get; }

    public Counter<long> RetentionSegmentsDeleted { get; }

    public Counter<long> RetentionBytesDeleted { get; }

    /// <summary>Counts what one retention pass deleted from a partition (rare, so the tags are built per call).</summary>
    public void RetentionDeleted(string topic, int partition, int segments, long bytes)
    {
        var topicTag = new KeyValuePair<string, object?>(KafkaBrokerTelemetry.Tags.Topic, topic);
        var partitionTag = new KeyValuePair<string, object?>(KafkaBrokerTelemetry.Tags.Partition, partition);
        RetentionSegmentsDeleted.Add(segments, topicTag, partitionTag);
        RetentionBytesDeleted.Add(bytes, topicTag, partitionTag);
    }

    public void RequestHandled(ApiKey apiKey)
    {
        var index = (int)apiKey;
        if ((uint)index < (uint)s_apiKeyTags.Length)
        {
            Requests.Add(1, s_apiKeyTags[index]);
        }
    }

    public void Dispose()
    {
        // A factory's meter outlives the broker: after this its gauge reports nothing.
        _disposed = true;
        _ownedMeter?.Dispose();
    }

    private List<Measurement<long>> ObservePartitions(Func<PartitionLog, long> value)
    {
        if (_disposed)
        {
            return [];
        }

        var measurements = new List<Measurement<long>>();
        foreach (var topic in _topics.Snapshot())
        {
            foreach (var partition in topic.Partitions)
            {
                measurements.Add(new Measurement<long>(
                    value(partition),
                    new KeyValuePair<string, object?>(KafkaBrokerTelemetry.Tags.Topic, topic.Name),
                    new KeyValuePair<string, object?>(KafkaBrokerTelemetry.Tags.Partition, partition.Index)));
            }
        }

        return measurements;
    }

    private static KeyValuePair<string, object?>[] BuildApiKeyTags()
    {
        var keys = Enum.GetValues<ApiKey>();
        var tags = new KeyValuePair<string, object?>[keys.Max(k => (int)k) + 1];
        for (var i = 0; i < tags.Length; i++)
        {
            var name = Enum.IsDefined((ApiKey)i) ? ((ApiKey)i).ToString() : i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            tags[i] = new KeyValuePair<string, object?>(KafkaBrokerTelemetry.Tags.ApiKey, name);
        }

        return tags;
    }
}
