using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace Pipeline.AppHost.Topology;

/// <summary>
/// The values the AppHost builds its model from, read once at start from the same configuration
/// keys as its Aspire parameters. The partition and replica counts shape the model itself (topic
/// creation, compose replicas), so they are needed as numbers before the application runs.
/// </summary>
public sealed record PipelineSettings
{
    public const int DefaultPartitions = 3;
    public const double DefaultEventsPerSecond = 5;
    public const string DefaultTopic = "events";

    /// <summary>The embedded broker's port when it stands in for the Kafka container.</summary>
    public const int EmbeddedBrokerPort = 9092;

    public string Topic { get; init; } = DefaultTopic;

    public int TopicPartitions { get; init; } = DefaultPartitions;

    public double EventsPerSecond { get; init; } = DefaultEventsPerSecond;

    public int ProcessorReplicas { get; init; } = 1;

    public bool UseEmbeddedBroker { get; init; }

    /// <summary>Reads and validates the settings; the exception names the offending parameter.</summary>
    public static PipelineSettings FromConfiguration(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var settings = new PipelineSettings
        {
            Topic = Read(configuration, PipelineParameters.Topic) ?? DefaultTopic,
            TopicPartitions = Read(configuration, PipelineParameters.TopicPartitions, DefaultPartitions,
                static (string text, out int value) => int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out value)),
            EventsPerSecond = Read(configuration, PipelineParameters.EventsPerSecond, DefaultEventsPerSecond,
                static (string text, out double value) => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value)),
            ProcessorReplicas = Read(configuration, PipelineParameters.ProcessorReplicas, 1,
                static (string text, out int value) => int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out value)),
            UseEmbeddedBroker = Read(configuration, PipelineParameters.UseEmbeddedBroker, false, bool.TryParse),
        };
        settings.Validate();
        return settings;
    }

    /// <summary>The topics the pipeline uses: events, closed windows and dead letters.</summary>
    public IReadOnlyList<TopicSpec> Topics =>
    [
        new(Topic, TopicPartitions),
        new(Topic + ".windows", TopicPartitions),
        new(Topic + ".dlq", 1),
    ];

    private void Validate()
    {
        // The same rule as the services' own validation (a Kafka topic name), checked here too so a
        // bad value fails before any container starts.
        if (Topic.Length is 0 or > 240 || !Topic.All(static c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
        {
            throw Invalid(PipelineParameters.Topic, "must be 1-240 characters of [a-zA-Z0-9._-]", Topic);
        }

        if (TopicPartitions is < 1 or > 1000)
        {
            throw Invalid(PipelineParameters.TopicPartitions, "must be between 1 and 1000", TopicPartitions);
        }

        if (!(EventsPerSecond is > 0 and <= 10_000_000))
        {
            throw Invalid(PipelineParameters.EventsPerSecond, "must be greater than 0 and at most 10000000", EventsPerSecond);
        }

        // A group member without a partition only waits: more replicas than partitions is a mistake.
        if (ProcessorReplicas < 1 || ProcessorReplicas > TopicPartitions)
        {
            throw Invalid(PipelineParameters.ProcessorReplicas,
                $"must be between 1 and {PipelineParameters.TopicPartitions} ({TopicPartitions}): each replica needs a partition", ProcessorReplicas);
        }
    }

    private delegate bool TryParse<T>(string text, out T value);

    private static T Read<T>(IConfiguration configuration, string name, T fallback, TryParse<T> parse)
    {
        var text = Read(configuration, name);
        if (text is null)
        {
            return fallback;
        }

        return parse(text, out var value)
            ? value
            : throw Invalid(name, $"is not a valid {typeof(T).Name}", text);
    }

    private static string? Read(IConfiguration configuration, string name) =>
        configuration[PipelineParameters.ConfigurationKey(name)] is { Length: > 0 } value ? value.Trim() : null;

    private static InvalidOperationException Invalid(string name, string rule, object value) =>
        new(string.Create(CultureInfo.InvariantCulture,
            $"AppHost parameter '{name}' ({PipelineParameters.ConfigurationKey(name)}) {rule}; got '{value}'."));
}

/// <summary>A topic and its partition count (replication factor 1: a single broker).</summary>
public sealed record TopicSpec(string Name, int Partitions);
