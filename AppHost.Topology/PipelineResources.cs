namespace Pipeline.AppHost.Topology;

/// <summary>
/// Names of the AppHost's resources. They become compose service names and the names the Aspire
/// dashboard shows; <see cref="Kafka"/> is also the connection-string name the services read
/// (<c>ConnectionStrings:kafka</c>).
/// </summary>
public static class PipelineResources
{
    public const string Kafka = "kafka";

    /// <summary>The embedded broker, when it stands in for the Kafka container.</summary>
    public const string EmbeddedBroker = "kafka-embedded";

    /// <summary>One-shot compose service that creates the topics before the workers start.</summary>
    public const string TopicInit = "kafka-topic-init";

    public const string Producer = "producer";

    public const string StreamProcessor = "stream-processor";

    public const string ComposeEnvironment = "compose";
}
