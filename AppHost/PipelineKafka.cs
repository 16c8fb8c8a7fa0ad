using Microsoft.Extensions.DependencyInjection;
using Pipeline.AppHost.Topology;

namespace Pipeline.AppHost;

/// <summary>The Kafka the services reference, and what they wait for before they start.</summary>
internal sealed record PipelineKafka(
    IResourceBuilder<IResourceWithConnectionString> Connection,
    IResourceBuilder<IResource> Ready,
    IResourceBuilder<IResource>? TopicsCreated);

internal static class PipelineKafkaExtensions
{
    /// <summary>
    /// Kafka as a container with a data volume and Kafka UI, its topics created before anything
    /// waiting for it starts; or, with <c>use-embedded-broker</c> (no Docker), the embedded broker
    /// run as a project with the topics created at its start. Publishing always uses the container.
    /// </summary>
    public static PipelineKafka AddPipelineKafka(this IDistributedApplicationBuilder builder, PipelineSettings settings)
    {
        if (settings.UseEmbeddedBroker && builder.ExecutionContext.IsRunMode)
        {
            return builder.AddEmbeddedKafka(settings);
        }

        var kafka = builder.AddKafka(PipelineResources.Kafka)
            .WithDataVolume()
            .WithKafkaUI();

        if (builder.ExecutionContext.IsPublishMode)
        {
            // Publish mode never runs ready-event code: a one-shot service creates the topics with
            // Kafka's own tool, and the workers wait for it to complete.
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

        // Run mode: WaitFor(kafka) awaits the ready event's handlers, so the topics exist before the
        // Producer and the StreamProcessor start.
        kafka.OnResourceReady(async (resource, @event, cancellationToken) =>
        {
            var bootstrapServers = await resource.ConnectionStringExpression.GetValueAsync(cancellationToken)
                ?? throw new InvalidOperationException($"The '{resource.Name}' resource has no connection string.");
            var logger = @event.Services.GetRequiredService<ResourceLoggerService>().GetLogger(resource);
            await TopicProvisioner.EnsureTopicsAsync(bootstrapServers, settings.Topics, logger, cancellationToken);
        });
        return new PipelineKafka(kafka, kafka, TopicsCreated: null);
    }

    private static PipelineKafka AddEmbeddedKafka(this IDistributedApplicationBuilder builder, PipelineSettings settings)
    {
        var dataDirectory = Path.GetFullPath(Path.Combine(builder.AppHostDirectory, "..", "data", "kafka"));
        var broker = builder.AddProject<Projects.KafkaBroker>(PipelineResources.EmbeddedBroker)
            .WithArgs([.. EmbeddedBrokerArguments.For(settings, dataDirectory)]);
        var connection = builder.AddConnectionString(
            PipelineResources.Kafka, ReferenceExpression.Create($"{EmbeddedBrokerArguments.BootstrapServers}"));
        return new PipelineKafka(connection, broker, TopicsCreated: null);
    }

    /// <summary>Waits for Kafka, and in compose for the topic-creation service to finish.</summary>
    public static IResourceBuilder<T> WaitForKafka<T>(this IResourceBuilder<T> service, PipelineKafka kafka)
        where T : IResourceWithWaitSupport
    {
        service.WaitFor(kafka.Ready);
        return kafka.TopicsCreated is null ? service : service.WaitForCompletion(kafka.TopicsCreated);
    }

    /// <summary>
    /// The services' /health and /alive endpoints: an HTTP endpoint Aspire assigns (ASPNETCORE_URLS
    /// when run, HTTP_PORTS in compose) and a health check the dashboard shows.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithHealthEndpoints(this IResourceBuilder<ProjectResource> service) =>
        service.WithHttpEndpoint(name: "http")
            .WithHttpHealthCheck("/health");
}
