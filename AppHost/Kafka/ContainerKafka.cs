using Aspire.Hosting.Docker.Resources.ServiceNodes;
using Aspire.Hosting.Docker.Resources.ServiceNodes.Swarm;
using Pipeline.AppHost.Compose;
using Pipeline.AppHost.Topology;

namespace Pipeline.AppHost;

/// <summary>
/// The default build: Kafka as Aspire.Hosting.Kafka's container with a data volume and Kafka UI, and
/// docker-compose publishing through Aspire.Hosting.Docker. Both packages are on nuget.org, not on
/// the build machines here, which build with <c>-p:EmbeddedKafka=true</c> instead
/// (Kafka/EmbeddedKafkaChoice.cs), and check this build against ../shared/aspire-feed (tools/apphost-default.sh).
/// </summary>
internal static class PipelineKafkaChoice
{
    /// <summary>Docker is there for Kafka: Azurite, when asked for, runs as its container too.</summary>
    public const AzuriteHosting LocalAzurite = AzuriteHosting.Container;

    /// <summary>Run mode needs a container engine; publishing does not.</summary>
    public static string? MissingPrerequisite(IDistributedApplicationBuilder builder) =>
        builder.ExecutionContext.IsPublishMode ? null : ContainerRuntimeCheck.Problem(builder.Configuration);

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
        // own tool, from the broker's own image, and the workers wait for it to complete.
        var bootstrap = kafka.Resource.InternalEndpoint.Property(EndpointProperty.HostAndPort);
        var script = new ReferenceExpressionBuilder();
        var pieces = TopicInitCommands.Pieces(settings);
        for (var i = 0; i < pieces.Count; i++)
        {
            if (i > 0)
            {
                script.AppendFormatted(bootstrap);
            }

            script.AppendLiteral(pieces[i]);
        }

        var topicInit = builder.AddContainerLike(PipelineResources.TopicInit, kafka.Resource)
            .WithEntrypoint(TopicInitCommands.Entrypoint)
            .WithArgs("-c", script.Build())
            .WaitFor(kafka);
        return new PipelineKafka(kafka, kafka, topicInit);
    }

    /// <summary>`aspire publish` writes docker-compose.yaml and .env for this environment.</summary>
    public static void AddDeployment(this IDistributedApplicationBuilder builder, PipelineServices services, PipelineSettings settings)
    {
        Aspire.Hosting.Docker.Resources.ComposeFile? composeFile = null;
        builder.AddDockerComposeEnvironment(PipelineResources.ComposeEnvironment)
            .ConfigureComposeFile(file => composeFile = file)
            // Runs after ConfigureComposeFile and before the file is written, with the variables' defaults.
            .ConfigureEnvFile(variables => ComposeVariableDefaults.Apply(composeFile!, variables));

        services.StreamProcessor.PublishAsDockerComposeService((_, service) =>
        {
            // The compose publisher ignores WithReplicas: the replica count goes on the compose service.
            service.Deploy ??= new Deploy();
            service.Deploy.Replicas = settings.ProcessorReplicas;
            // Parquet lands beside docker-compose.yaml, in ./data/output, where the user can read it
            // (unless it goes to Azurite's blobs, in their own volume).
            if (settings.OutputStorage == OutputStorage.Folder)
            {
                service.Volumes.Add(OutputBind());
            }
        });

        if (builder.ExecutionContext.IsPublishMode && settings.OutputStorage == OutputStorage.Folder)
        {
            // Docker creates a missing bind folder as root's; the processor runs as the images' non-root user.
            var kafka = builder.Resources.OfType<ContainerResource>().Single(static r => r.Name == PipelineResources.Kafka);
            var outputInit = builder.AddContainerLike(PipelineResources.OutputInit, kafka)
                .WithEntrypoint(OutputFolderInit.Entrypoint)
                .WithArgs("-c", OutputFolderInit.Script)
                .PublishAsDockerComposeService((_, service) =>
                {
                    service.User = OutputFolderInit.User;
                    service.Volumes.Add(OutputBind());
                });
            services.StreamProcessor.WaitForCompletion(outputInit);
        }
    }

    private static Volume OutputBind() => new()
    {
        Name = "parquet-output",
        Type = "bind",
        Source = ServiceEnvironment.ComposeOutputFolder,
        Target = ServiceEnvironment.ContainerOutputPath,
    };

    /// <summary>A one-shot container from <paramref name="image"/>'s own image (registry, name and tag), so its tools match it.</summary>
    private static IResourceBuilder<ContainerResource> AddContainerLike(this IDistributedApplicationBuilder builder, string name, ContainerResource image)
    {
        var annotation = image.Annotations.OfType<ContainerImageAnnotation>().Last();
        var container = builder.AddContainer(name, annotation.Image, annotation.Tag ?? "latest");
        return annotation.Registry is { } registry ? container.WithImageRegistry(registry) : container;
    }
}
