namespace Pipeline.AppHost.Topology;

/// <summary>
/// The settings the AppHost gives the services, as the structured environment variables their options
/// bind (<c>Section__Key</c>): these beat the services' <c>appsettings.json</c>, and Aspire, compose and
/// a person all use the same names. The contract tests feed the model's real environment to the real
/// service hosts, so a name here that a service does not read fails a test.
/// </summary>
public static class ServiceEnvironment
{
    /// <summary>Set by <c>WithReference(kafka)</c>: Aspire's connection-string convention.</summary>
    public const string KafkaConnectionString = "ConnectionStrings__" + PipelineResources.Kafka;

    /// <summary>The Producer's <c>Pipeline:Producer</c> options.</summary>
    public const string ProducerTopic = "Pipeline__Producer__Topic";

    public const string ProducerMessagesPerSecond = "Pipeline__Producer__MessagesPerSecond";

    /// <summary>The StreamProcessor's <c>Pipeline:Processor</c> and <c>Pipeline:Output</c> options.</summary>
    public const string ProcessorTopic = "Pipeline__Processor__Topic";

    public const string ProcessorOutputPath = "Pipeline__Output__OutputPath";

    /// <summary>
    /// Set by <c>WithReference(output)</c> with <c>output-storage=azurite</c>: the StreamProcessor then writes to blob
    /// storage (its <c>SinkOptions.OutputConnectionName</c>) instead of <see cref="ProcessorOutputPath"/>.
    /// </summary>
    public const string OutputConnectionString = "ConnectionStrings__" + PipelineResources.Output;

    /// <summary>The services' health endpoint (ServiceDefaults maps it), probed by the AppHost.</summary>
    public const string HealthPath = "/health";

    /// <summary>
    /// The StreamProcessor's progress report (its <c>ProgressEndpoint.Path</c>; this project does not reference the
    /// service, so a test holds the two equal), linked from the dashboard.
    /// </summary>
    public const string ProgressPath = "/progress";

    /// <summary>Where the StreamProcessor writes inside a container (compose binds it to <see cref="ComposeOutputFolder"/>).</summary>
    public const string ContainerOutputPath = "/app/data/output";

    /// <summary>The host folder, beside docker-compose.yaml, that compose binds to <see cref="ContainerOutputPath"/>.</summary>
    public const string ComposeOutputFolder = "./data/output";

    /// <summary>
    /// The user the services' images run as: <c>APP_UID</c>, the non-root user of the .NET 8+ base images that the
    /// SDK's container build uses by default.
    /// </summary>
    public const int ContainerUserId = 1654;
}
