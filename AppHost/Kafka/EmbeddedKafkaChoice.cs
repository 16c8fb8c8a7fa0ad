using Pipeline.AppHost.Topology;

namespace Pipeline.AppHost;

/// <summary>
/// The <c>-p:EmbeddedKafka=true</c> build: the embedded broker stands in for the Kafka container, for
/// machines without Docker or without the Aspire.Hosting.Kafka and Aspire.Hosting.Docker packages.
/// </summary>
internal static class PipelineKafkaChoice
{
    /// <summary>No Docker either: Azurite, when asked for, runs from npm (<c>npm ci</c> in tools/azurite).</summary>
    public const AzuriteHosting LocalAzurite = AzuriteHosting.Executable;

    /// <summary>Nothing to check: the embedded broker needs no container engine.</summary>
    public static string? MissingPrerequisite(IDistributedApplicationBuilder builder) => null;

    public static PipelineKafka AddPipelineKafka(this IDistributedApplicationBuilder builder, PipelineSettings settings) =>
        builder.AddEmbeddedKafka<Projects.KafkaBroker>(settings).WithPipelineTopics(settings);

    /// <summary>
    /// Nothing to add: without Aspire.Hosting.Docker there is no compose publisher, and
    /// <c>aspire publish</c> writes only the manifest (<c>--publisher manifest</c>).
    /// </summary>
    public static void AddDeployment(this IDistributedApplicationBuilder builder, PipelineServices services, PipelineSettings settings)
    {
    }
}
