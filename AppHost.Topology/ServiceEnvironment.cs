using System.Globalization;

namespace Pipeline.AppHost.Topology;

/// <summary>
/// The environment the AppHost gives the services: the variable names are the services' own
/// (their options read them as aliases), so a test can feed this contract to the real hosts.
/// </summary>
public static class ServiceEnvironment
{
    /// <summary>Set by <c>WithReference(kafka)</c>: Aspire's connection-string convention.</summary>
    public const string KafkaConnectionString = "ConnectionStrings__" + PipelineResources.Kafka;

    public const string Topic = "KAFKA_TOPIC";
    public const string EventsPerSecond = "MSGS_PER_SEC";
    public const string OutputPath = "OUTPUT_PATH";

    /// <summary>
    /// Kestrel's listen addresses for the health endpoints. Set explicitly because the services'
    /// appsettings.json default (loopback, any port) would otherwise win over ASPNETCORE_URLS.
    /// </summary>
    public const string Urls = "URLS";

    /// <summary>Where the StreamProcessor writes inside a container (compose binds it to ./data/output).</summary>
    public const string ContainerOutputPath = "/app/data/output";

    /// <summary>Values the Producer gets besides the Kafka reference (the rate is an Aspire parameter).</summary>
    public static IReadOnlyDictionary<string, string> ForProducer(PipelineSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return new Dictionary<string, string>
        {
            [Topic] = settings.Topic,
            [EventsPerSecond] = settings.EventsPerSecond.ToString(CultureInfo.InvariantCulture),
        };
    }

    /// <summary>Values the StreamProcessor gets besides the Kafka reference.</summary>
    public static IReadOnlyDictionary<string, string> ForStreamProcessor(PipelineSettings settings, string outputPath)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentException.ThrowIfNullOrWhiteSpace(outputPath);
        return new Dictionary<string, string>
        {
            [Topic] = settings.Topic,
            [OutputPath] = outputPath,
        };
    }

    /// <summary>
    /// The output folder of a local run: <c>data/output</c> beside the AppHost folder, the same place
    /// the one-command Standalone run writes to, so a user finds it in either case.
    /// </summary>
    public static string LocalOutputPath(string appHostDirectory) =>
        Path.GetFullPath(Path.Combine(appHostDirectory, "..", "data", "output"));
}
