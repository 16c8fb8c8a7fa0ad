using System.Globalization;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.Demo;

namespace Pipeline.AppHost.Topology;

/// <summary>
/// The embedded broker as Kafka: the KafkaBroker project on a port Aspire allocates (so it never
/// collides with another run), its log under <c>data/kafka</c>, a health check that asks it for
/// metadata, and a connection string named <c>kafka</c> (<c>ConnectionStrings__kafka</c>, as the
/// container gives) that the services reference.
/// </summary>
public static class EmbeddedKafka
{
    /// <summary>The broker's Kafka endpoint: Aspire picks the port and passes it on the command line.</summary>
    public const string EndpointName = "tcp";

    public static PipelineKafka AddEmbeddedKafka<TBroker>(this IDistributedApplicationBuilder builder, PipelineSettings settings)
        where TBroker : IProjectMetadata, new()
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(settings);
        var dataDirectory = Path.Combine(settings.ResolveDataDirectory(builder.AppHostDirectory), "kafka");
        var broker = builder.AddProject<TBroker>(PipelineResources.EmbeddedBroker)
            .WithEndpoint(name: EndpointName, scheme: "tcp");
        var endpoint = broker.GetEndpoint(EndpointName);
        broker.WithArgs(context =>
        {
            // The broker listens on the endpoint's target port; clients bootstrap through Aspire's
            // address for it and then use the address the broker advertises (the same loopback).
            context.Args.Add("--port");
            context.Args.Add(endpoint.Property(EndpointProperty.TargetPort));
            foreach (var argument in Arguments(settings, dataDirectory))
            {
                context.Args.Add(argument);
            }
        });

        var connection = builder.AddConnectionString(
            PipelineResources.Kafka, ReferenceExpression.Create($"{endpoint.Property(EndpointProperty.HostAndPort)}"));

        var healthCheckKey = PipelineResources.EmbeddedBroker + "-metadata";
        builder.Services.AddHealthChecks().Add(new(
            healthCheckKey,
            _ => new KafkaMetadataHealthCheck(cancellationToken => connection.Resource.ConnectionStringExpression.GetValueAsync(cancellationToken)),
            failureStatus: null,
            tags: null));
        broker.WithHealthCheck(healthCheckKey);

        return new PipelineKafka(connection, broker);
    }

    /// <summary>
    /// The broker's command line besides the port: its log folder, the partitions of topics it auto-creates, and the
    /// demo's retention (<see cref="DemoBrokerRetention"/>), so a long run's log stays bounded.
    /// </summary>
    public static IReadOnlyList<string> Arguments(PipelineSettings settings, string dataDirectory)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentException.ThrowIfNullOrWhiteSpace(dataDirectory);
        return
        [
            "--data-dir", dataDirectory,
            "--partitions", settings.TopicPartitions.ToString(CultureInfo.InvariantCulture),
            .. DemoBrokerRetention.Arguments(),
        ];
    }
}
