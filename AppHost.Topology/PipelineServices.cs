using System.Globalization;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;

namespace Pipeline.AppHost.Topology;

/// <summary>The Producer and the StreamProcessor in the model, for what a deployment adds to them.</summary>
public sealed record PipelineServices(IResourceBuilder<ProjectResource> Producer, IResourceBuilder<ProjectResource> StreamProcessor);

public static class PipelineServicesExtensions
{
    /// <summary>The services' HTTP endpoint (health, and the StreamProcessor's progress).</summary>
    public const string HttpEndpoint = "http";

    /// <summary>The dashboard's name for the link to the StreamProcessor's progress report.</summary>
    public const string ProgressLinkText = "Progress";

    /// <summary>
    /// The Producer and the StreamProcessor: each references Kafka (<c>ConnectionStrings__kafka</c>),
    /// starts once Kafka and its topics are ready, gets its settings as structured variables, and
    /// reports health on an endpoint Aspire assigns; the StreamProcessor runs the configured replicas
    /// (one consumer group, partitions shared among them) and writes to the data folder, or, given
    /// <paramref name="output"/> (<see cref="PipelineOutputExtensions.AddPipelineOutput"/>), references it and waits for it.
    /// </summary>
    public static PipelineServices AddPipelineServices<TProducer, TStreamProcessor>(
        this IDistributedApplicationBuilder builder, PipelineSettings settings, PipelineKafka kafka, PipelineOutput? output = null)
        where TProducer : IProjectMetadata, new()
        where TStreamProcessor : IProjectMetadata, new()
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(kafka);
        if ((output is null) != (settings.OutputStorage == OutputStorage.Folder))
        {
            throw new ArgumentException(
                $"The output must be the one {PipelineParameters.OutputStorage} ({settings.OutputStorage}) asks for: pass AddPipelineOutput's.", nameof(output));
        }

        var eventsPerSecond = builder
            .AddParameter(PipelineParameters.EventsPerSecond, settings.EventsPerSecond.ToString(CultureInfo.InvariantCulture), publishValueAsDefault: true)
            .WithDescription("Events the Producer publishes per second.");

        var producer = builder.AddProject<TProducer>(PipelineResources.Producer)
            .WithKafka(kafka)
            .WithEnvironment(ServiceEnvironment.ProducerTopic, settings.Topic)
            .WithEnvironment(ServiceEnvironment.ProducerMessagesPerSecond, eventsPerSecond)
            .WithHealthEndpoint();

        var streamProcessor = builder.AddProject<TStreamProcessor>(PipelineResources.StreamProcessor)
            .WithKafka(kafka)
            .WithEnvironment(ServiceEnvironment.ProcessorTopic, settings.Topic)
            .WithOutput(builder, settings, output)
            .WithHealthEndpoint()
            .WithProgressLink()
            .WithReplicas(settings.ProcessorReplicas);

        return new PipelineServices(producer, streamProcessor);
    }

    /// <summary>
    /// Parquet lands where the user looks for it: data/output at the repository root when run, the container's folder
    /// (bound to ./data/output by compose) when published; or in the blob storage of <paramref name="output"/>, whose
    /// connection string the StreamProcessor then reads (<c>ConnectionStrings__output</c>) instead of a path.
    /// </summary>
    private static IResourceBuilder<ProjectResource> WithOutput(
        this IResourceBuilder<ProjectResource> service, IDistributedApplicationBuilder builder, PipelineSettings settings, PipelineOutput? output)
    {
        if (output is not null)
        {
            return service.WithReference(output.Connection).WaitFor(output.Ready);
        }

        var outputPath = builder.ExecutionContext.IsPublishMode
            ? ServiceEnvironment.ContainerOutputPath
            : Path.Combine(settings.ResolveDataDirectory(builder.AppHostDirectory), "output");
        return service.WithEnvironment(ServiceEnvironment.ProcessorOutputPath, outputPath);
    }

    /// <summary>References Kafka and waits for it (and, in compose, for the topic-creation service).</summary>
    private static IResourceBuilder<ProjectResource> WithKafka(this IResourceBuilder<ProjectResource> service, PipelineKafka kafka)
    {
        service.WithReference(kafka.Connection).WaitFor(kafka.Ready);
        return kafka.TopicsCreated is null ? service : service.WaitForCompletion(kafka.TopicsCreated);
    }

    /// <summary>
    /// "Progress" among the StreamProcessor's links in the dashboard: its <c>/progress</c> report on the same HTTP endpoint
    /// as /health (a relative URL, which Aspire completes with the endpoint's address once it is allocated).
    /// </summary>
    private static IResourceBuilder<ProjectResource> WithProgressLink(this IResourceBuilder<ProjectResource> service) =>
        service.WithUrlForEndpoint(HttpEndpoint, static _ => new ResourceUrlAnnotation { Url = ServiceEnvironment.ProgressPath, DisplayText = ProgressLinkText });

    /// <summary>
    /// The services' /health endpoint on an HTTP endpoint Aspire assigns (ASPNETCORE_URLS when run,
    /// HTTP_PORTS in compose), probed for the dashboard and for <c>WaitFor</c>.
    /// </summary>
    private static IResourceBuilder<ProjectResource> WithHealthEndpoint(this IResourceBuilder<ProjectResource> service) =>
        service.WithHttpEndpoint(name: HttpEndpoint).WithHttpHealthCheck(ServiceEnvironment.HealthPath);
}
