using System.Globalization;
using Microsoft.Extensions.Configuration;
using Pipeline.Demo;
using Pipeline.KafkaBroker;
using Pipeline.Producer;
using Pipeline.ServiceDefaults.Kafka;
using Pipeline.StreamProcessor;
using Pipeline.StreamProcessor.Sinks;
using Pipeline.StreamProcessor.Windowing;

namespace Pipeline.Standalone;

/// <summary>What the one-command pipeline runs: the embedded broker, the Producer and the StreamProcessor.</summary>
internal sealed record StandaloneOptions
{
    public int Port { get; init; } = 9092;

    public int Partitions { get; init; } = 3;

    public string Topic { get; init; } = "events";

    public double MessagesPerSecond { get; init; } = 20;

    public string OutputPath { get; init; } = Path.Combine("data", "output");

    public string RunId { get; init; } = "default";

    /// <summary>
    /// An Azure Storage connection string: the StreamProcessor writes the run to blob storage (container
    /// <c>pipeline</c>, or <c>ContainerName=</c> in the string) instead of <see cref="OutputPath"/>. Null leaves it to
    /// <c>ConnectionStrings__output</c> in the environment, if any. Not public, so the record's <c>ToString</c> leaves
    /// it out: it holds the account key.
    /// </summary>
    internal string? OutputConnectionString { get; init; }

    /// <summary>Broker data; null keeps the topic in memory (a restart then starts from an empty topic).</summary>
    public string? BrokerDataDirectory { get; init; } = Path.Combine("data", "kafka");

    /// <summary>Shorter than the service default (30 s) so closed windows show within seconds on a demo.</summary>
    public TimeSpan WatermarkDelay { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Shorter than the service default (30 s), for the same reason as <see cref="WatermarkDelay"/>.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Stop by itself after this long (smoke runs); null runs until Ctrl+C.</summary>
    public TimeSpan? Duration { get; init; }

    /// <summary>Plain status lines instead of the live terminal view (also when output is redirected).</summary>
    public bool PlainOutput { get; init; }

    /// <summary>
    /// The settings both services start from, as structured configuration keys (what Aspire or compose would
    /// put in their environment), built from the options classes so a renamed setting cannot drift.
    /// Environment variables given to this process override them, the seed's aliases included.
    /// </summary>
    public Dictionary<string, string?> ServiceSettings(string bootstrapServers)
    {
        var settings = CommonSettings(bootstrapServers);
        if (OutputConnectionString is { Length: > 0 } connectionString)
        {
            settings[SinkOptions.OutputConnectionSetting] = connectionString;
        }

        return settings;
    }

    private Dictionary<string, string?> CommonSettings(string bootstrapServers) => new()
    {
        [KafkaConnection.ConnectionStringKey] = bootstrapServers,
        [Key(ProducerOptions.SectionName, nameof(ProducerOptions.Topic))] = Topic,
        [Key(ProducerOptions.SectionName, nameof(ProducerOptions.MessagesPerSecond))] = MessagesPerSecond.ToString(CultureInfo.InvariantCulture),
        [Key(ProcessorOptions.SectionName, nameof(ProcessorOptions.Topic))] = Topic,
        [Key(SinkOptions.SectionName, nameof(SinkOptions.OutputPath))] = OutputPath,
        [Key(SinkOptions.SectionName, nameof(SinkOptions.RunId))] = RunId,
        [Key(WindowingOptions.SectionName, nameof(WindowingOptions.WatermarkDelay))] = WatermarkDelay.ToString("c", CultureInfo.InvariantCulture),
        [Key(WindowingOptions.SectionName, nameof(WindowingOptions.IdleTimeout))] = IdleTimeout.ToString("c", CultureInfo.InvariantCulture),
    };

    /// <summary>The StreamProcessor's closed-windows topic for <see cref="Topic"/> (its own naming rule).</summary>
    public string WindowsTopic => Processor.ResolvedWindowsTopic;

    /// <summary>
    /// The embedded broker, seeded with the topics the AppHost creates (its <c>PipelineSettings.Topics</c>): the
    /// events topic, its windows topic with the same partition count (windows are keyed by id, so they spread
    /// like the events), and one dead-letter partition; with the demo's retention (<see cref="DemoBrokerRetention"/>),
    /// so <c>data/kafka</c> stays bounded however long it runs.
    /// </summary>
    public KafkaBrokerOptions BrokerOptions()
    {
        var broker = new KafkaBrokerOptions
        {
            Port = Port,
            DataDirectory = BrokerDataDirectory,
            DefaultPartitions = Partitions,
            Retention = DemoBrokerRetention.Retention,
            RetentionBytes = DemoBrokerRetention.RetentionBytes,
            SegmentBytes = DemoBrokerRetention.SegmentBytes,
            SegmentRoll = DemoBrokerRetention.SegmentRoll,
            RetentionCheckInterval = DemoBrokerRetention.CheckInterval,
        };
        broker.SeedTopics[Topic] = Partitions;
        broker.SeedTopics[Processor.ResolvedWindowsTopic] = Partitions;
        broker.SeedTopics[Processor.ResolvedDeadLetterTopic] = 1;
        return broker;
    }

    private ProcessorOptions Processor => new() { Topic = Topic };

    private static string Key(string section, string property) => ConfigurationPath.Combine(section, property);
}
