namespace Pipeline.AppHost.Topology;

/// <summary>
/// The AppHost's parameters: Aspire reads each from configuration key <c>Parameters:&lt;name&gt;</c>
/// (so <c>dotnet run --project AppHost -- --Parameters:events-per-second 100</c> or the environment
/// variable <c>Parameters__events-per-second=100</c>), and <c>aspire publish</c> turns them into
/// compose variables.
/// </summary>
public static class PipelineParameters
{
    public const string Topic = "topic";
    public const string TopicPartitions = "topic-partitions";
    public const string EventsPerSecond = "events-per-second";
    public const string ProcessorReplicas = "processor-replicas";

    /// <summary>Not an Aspire parameter but a build-time switch: which Kafka the model contains.</summary>
    public const string UseEmbeddedBroker = "use-embedded-broker";

    /// <summary>The configuration key Aspire reads a parameter's value from.</summary>
    public static string ConfigurationKey(string name) => "Parameters:" + name;
}
