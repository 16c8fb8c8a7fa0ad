using Aspire.Hosting.Docker.Resources.ServiceNodes;
using Aspire.Hosting.Docker.Resources.ServiceNodes.Swarm;
using Pipeline.AppHost.Topology;

namespace Pipeline.AppHost;

/// <summary>
/// The default build: Kafka as Aspire.Hosting.Kafka's container with a data volume and Kafka UI, and
/// docker-compose publishing through Aspire.Hosting.Docker. Both packages are on nuget.org, not on
/// the build machines here, which build with <c>-p:EmbeddedKafka=true</c> instead
/// (Kafka/EmbeddedKafkaChoice.cs).
/// </summary>
internal static class PipelineKafkaChoice
{
    /// <summary>Docker is there for Kafka: Azurite, when asked for, runs as its container too.</summary>
    public const AzuriteHosting LocalAzurite = AzuriteHosting.Container;

    public static PipelineKafka AddPipelineKafka(this IDistributedApplicationBuilder builder, PipelineSettings settings)
    {
        var kafka = builder.AddKafka(PipelineResources.Kafka)
            .WithDataVolume()
            .WithKafkaUI();

        if (!builder.ExecutionContext.IsPublishMode)
        {
            // Run mode: the topics are created on Kafka's ready event, which WaitFor(kafka) awaits.
            return new PipelineKafka(kafka, kafka).WithPipelineTopics(settings);
        }

        // Publish mode never runs ready-event code: a one-shot service creates the topics with Kafka's
        // own tool, and the workers wait for it to complete.
        var bootstrap = kafka.Resource.InternalEndpoint.Property(EndpointProperty.HostAndPort);
        var script = new ReferenceExpressionBuilder();
        foreach (var (beforeAddress, afterAddress) in TopicInitCommands.Pieces(settings))
        {
            script.AppendLiteral(beforeAddress);
            script.AppendFormatted(bootstrap);
            script.AppendLiteral(afterAddress);
        }

        var topicInit = builder.AddContainer(PipelineResources.TopicInit, TopicInitCommands.Image, TopicInitCommands.Tag)
            .WithEntrypoint(TopicInitCommands.Entrypoint)
            .WithArgs("-c", script.Build())
            .WaitFor(kafka);
        return new PipelineKafka(kafka, kafka, topicInit);
    }

    /// <summary>`aspire publish` writes docker-compose.yaml and .env for this environment.</summary>
    public static void AddDeployment(this IDistributedApplicationBuilder builder, PipelineServices services, PipelineSettings settings)
    {
        builder.AddDockerComposeEnvironment(PipelineResources.ComposeEnvironment);
        services.StreamProcessor.PublishAsDockerComposeService((_, service) =>
        {
            // The compose publisher ignores WithReplicas: the replica count goes on the compose service.
            service.Deploy ??= new Deploy();
            service.Deploy.Replicas = settings.ProcessorReplicas;
            // Parquet lands beside docker-compose.yaml, in ./data/output, where the user can read it
            // (unless it goes to Azurite's blobs, in their own volume).
            if (settings.OutputStorage == OutputStorage.Folder)
            {
                service.Volumes.Add(new Volume
                {
                    Name = "parquet-output",
                    Type = "bind",
                    Source = "./data/output",
                    Target = ServiceEnvironment.ContainerOutputPath,
                });
            }
        });
    }
}
