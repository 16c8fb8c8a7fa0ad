using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace Pipeline.AppHost.Topology;

/// <summary>
/// The values the AppHost builds its model from, read once at start from the same configuration
/// keys as its Aspire parameters (<c>Parameters:&lt;name&gt;</c>). The partition and replica counts
/// shape the model itself (topic creation, replicas), so they are needed as numbers before the
/// application runs. Each default is stated here and nowhere else in the AppHost.
/// </summary>
public sealed record PipelineSettings
{
    public const int DefaultPartitions = 3;
    public const double DefaultEventsPerSecond = 5;
    public const string DefaultTopic = "events";
    public const int DefaultProcessorReplicas = 1;
    public const OutputStorage DefaultOutputStorage = OutputStorage.Folder;

    /// <summary>
    /// The longest topic name Kafka accepts. The services' rule lives in <c>Pipeline.ServiceDefaults.Kafka.KafkaTopicName</c>;
    /// this library does not reference ServiceDefaults (it would bring the services' packages into the AppHost),
    /// so it restates the number, and a test pins the two together.
    /// </summary>
    public const int MaxTopicLength = 249;

    public string Topic { get; init; } = DefaultTopic;

    public int TopicPartitions { get; init; } = DefaultPartitions;

    /// <summary>
    /// Replicas of each topic created; null (the default) leaves it to the cluster (<c>default.replication.factor</c>,
    /// 1 on a single broker, typically 3 on a production cluster). Capped by the brokers the cluster has.
    /// </summary>
    public short? TopicReplicationFactor { get; init; }

    public double EventsPerSecond { get; init; } = DefaultEventsPerSecond;

    public int ProcessorReplicas { get; init; } = DefaultProcessorReplicas;

    /// <summary>
    /// Where a local run keeps its data (<c>output/</c> for Parquet, <c>kafka/</c> for the embedded
    /// broker's log); null means <c>data/</c> at the repository root, beside the AppHost folder, where
    /// the Standalone run writes too. Tests point it at a temporary folder.
    /// </summary>
    public string? DataDirectory { get; init; }

    /// <summary>
    /// Where the StreamProcessor writes its run: the data folder's <c>output/</c> (the default), or blob storage
    /// in an Azurite the AppHost adds (<see cref="AzuriteEmulator"/>).
    /// </summary>
    public OutputStorage OutputStorage { get; init; } = DefaultOutputStorage;

    /// <summary>Reads and validates the settings; the exception names the offending parameter.</summary>
    public static PipelineSettings FromConfiguration(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var settings = new PipelineSettings
        {
            Topic = Read(configuration, PipelineParameters.Topic) ?? DefaultTopic,
            TopicPartitions = Read(configuration, PipelineParameters.TopicPartitions, DefaultPartitions,
                static (string text, out int value) => int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out value)),
            TopicReplicationFactor = Read<short?>(configuration, PipelineParameters.TopicReplicationFactor, null,
                static (string text, out short? value) =>
                {
                    value = short.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) ? parsed : null;
                    return value is not null;
                }),
            EventsPerSecond = Read(configuration, PipelineParameters.EventsPerSecond, DefaultEventsPerSecond,
                static (string text, out double value) => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value)),
            ProcessorReplicas = Read(configuration, PipelineParameters.ProcessorReplicas, DefaultProcessorReplicas,
                static (string text, out int value) => int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out value)),
            DataDirectory = Read(configuration, PipelineParameters.DataDirectory),
            OutputStorage = Read(configuration, PipelineParameters.OutputStorage, DefaultOutputStorage, TryParseOutputStorage),
        };
        settings.Validate();
        return settings;
    }

    /// <summary>The topics the pipeline uses: events, closed windows and dead letters.</summary>
    public IReadOnlyList<TopicSpec> Topics =>
    [
        new(Topic, TopicPartitions),
        new(WindowsTopic, TopicPartitions),
        new(DeadLetterTopic, 1),
    ];

    /// <summary>The StreamProcessor's default names for its output topics (<c>&lt;topic&gt;.windows</c>, <c>&lt;topic&gt;.dlq</c>).</summary>
    public string WindowsTopic => Topic + ".windows";

    public string DeadLetterTopic => Topic + ".dlq";

    /// <summary>The data folder of a run started from <paramref name="appHostDirectory"/>.</summary>
    public string ResolveDataDirectory(string appHostDirectory) =>
        Path.GetFullPath(DataDirectory ?? Path.Combine(appHostDirectory, "..", "data"));

    private void Validate()
    {
        // The same rule as the services' own validation (a Kafka topic name, its suffixes included),
        // checked here too so a bad value fails before anything starts.
        if (WindowsTopic.Length > MaxTopicLength || Topic.Length == 0
            || !Topic.All(static c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
        {
            throw Invalid(PipelineParameters.Topic,
                $"must be 1-{MaxTopicLength - ".windows".Length} characters of [a-zA-Z0-9._-]", Topic);
        }

        if (TopicPartitions is < 1 or > 1000)
        {
            throw Invalid(PipelineParameters.TopicPartitions, "must be between 1 and 1000", TopicPartitions);
        }

        if (TopicReplicationFactor is < 1)
        {
            throw Invalid(PipelineParameters.TopicReplicationFactor, "must be at least 1 (unset: the cluster's default)", TopicReplicationFactor);
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

    /// <summary>A storage's name, in any case; not a number, which <see cref="Enum.TryParse{TEnum}(string, bool, out TEnum)"/> would take.</summary>
    private static bool TryParseOutputStorage(string text, out OutputStorage value)
    {
        foreach (var storage in Enum.GetValues<OutputStorage>())
        {
            if (string.Equals(text, storage.ToString(), StringComparison.OrdinalIgnoreCase))
            {
                value = storage;
                return true;
            }
        }

        value = default;
        return false;
    }

    private static T Read<T>(IConfiguration configuration, string name, T fallback, TryParse<T> parse)
    {
        var text = Read(configuration, name);
        if (text is null)
        {
            return fallback;
        }

        return parse(text, out var value)
            ? value
            : throw Invalid(name, typeof(T).IsEnum
                ? $"must be one of {string.Join(", ", Enum.GetNames(typeof(T)).Select(static n => n.ToLowerInvariant()))}"
                : $"is not a valid {typeof(T).Name}", text);
    }

    private static string? Read(IConfiguration configuration, string name) =>
        configuration[PipelineParameters.ConfigurationKey(name)] is { Length: > 0 } value ? value.Trim() : null;

    private static InvalidOperationException Invalid(string name, string rule, object value) =>
        new(string.Create(CultureInfo.InvariantCulture,
            $"AppHost parameter '{name}' ({PipelineParameters.ConfigurationKey(name)}) {rule}; got '{value}'."));
}

/// <summary>Where the StreamProcessor writes its run (setting <see cref="PipelineParameters.OutputStorage"/>, by name in any case).</summary>
public enum OutputStorage
{
    /// <summary>Parquet in the data folder's <c>output/</c> (a container's folder, bound to <c>./data/output</c>, in compose).</summary>
    Folder,

    /// <summary>
    /// Azure Blob Storage in an Azurite the AppHost adds: container <c>pipeline</c>, <c>run_&lt;RunId&gt;/</c> in it, reached
    /// through <c>ConnectionStrings__output</c>.
    /// </summary>
    Azurite,
}

/// <summary>A topic and its partition count (replicas: <see cref="PipelineSettings.TopicReplicationFactor"/>).</summary>
public sealed record TopicSpec(string Name, int Partitions);
