namespace Pipeline.AppHost.Topology;

/// <summary>
/// Names of the AppHost's resources. They become compose service names and the names the Aspire
/// dashboard shows; <see cref="Kafka"/> and <see cref="Output"/> are also the connection-string names the
/// services read (<c>ConnectionStrings:kafka</c>, <c>ConnectionStrings:output</c>).
/// </summary>
public static class PipelineResources
{
    public const string Kafka = "kafka";

    /// <summary>The embedded broker, when it stands in for the Kafka container.</summary>
    public const string EmbeddedBroker = "kafka-embedded";

    /// <summary>One-shot compose service that creates the topics before the workers start.</summary>
    public const string TopicInit = "kafka-topic-init";

    /// <summary>
    /// One-shot compose service that makes the bound output folder writable by the StreamProcessor's non-root user
    /// (<see cref="OutputFolderInit"/>), with folder output.
    /// </summary>
    public const string OutputInit = "output-init";

    /// <summary>The Azure Storage emulator, with <c>output-storage=azurite</c>.</summary>
    public const string Azurite = "azurite";

    /// <summary>
    /// Azurite's connection string, the name the StreamProcessor reads (<c>ConnectionStrings:output</c>); what
    /// Aspire.Hosting.Azure.Storage's <c>AddBlobs("output")</c> would be called.
    /// </summary>
    public const string Output = "output";

    public const string Producer = "producer";

    public const string StreamProcessor = "stream-processor";

    public const string ComposeEnvironment = "compose";
}
