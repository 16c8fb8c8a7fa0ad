namespace Pipeline.AppHost.Topology;

/// <summary>
/// The AppHost's settings: Aspire reads each from configuration key <c>Parameters:&lt;name&gt;</c>
/// (so <c>dotnet run --project AppHost -- --Parameters:events-per-second 100</c> or the environment
/// variable <c>Parameters__events-per-second=100</c>). <see cref="EventsPerSecond"/> is an Aspire
/// parameter, which <c>aspire publish</c> turns into a deployment variable; the others shape the
/// model (topics, replicas, folders, the output's storage) and are read when it is built.
/// </summary>
public static class PipelineParameters
{
    public const string Topic = "topic";
    public const string TopicPartitions = "topic-partitions";

    /// <summary>Replicas of each topic the AppHost creates; unset: the cluster's default (<c>default.replication.factor</c>).</summary>
    public const string TopicReplicationFactor = "topic-replication-factor";
    public const string EventsPerSecond = "events-per-second";
    public const string ProcessorReplicas = "processor-replicas";
    public const string DataDirectory = "data-directory";

    /// <summary>Where the StreamProcessor writes its run: <c>folder</c> (the default) or <c>azurite</c> (see <see cref="T:Pipeline.AppHost.Topology.OutputStorage"/>).</summary>
    public const string OutputStorage = "output-storage";

    /// <summary>The configuration key Aspire reads a parameter's value from.</summary>
    public static string ConfigurationKey(string name) => "Parameters:" + name;
}
