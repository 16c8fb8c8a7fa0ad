// The Pipeline's distributed application: Kafka (a container, or the embedded broker without
// Docker), the topics, the Producer and the StreamProcessor, shown in the Aspire dashboard, and
// published as docker-compose with `aspire publish`.
// Written against Aspire 13.5.2; every call checked in microsoft/aspire at tag v13.5.2:
// src/Aspire.Hosting/api/Aspire.Hosting.cs, src/Aspire.Hosting.Kafka/api/Aspire.Hosting.Kafka.cs,
// src/Aspire.Hosting.Docker/api/Aspire.Hosting.Docker.cs.
using System.Globalization;
using Pipeline.AppHost;
using Pipeline.AppHost.Topology;

var builder = DistributedApplication.CreateBuilder(args);

// Partition and replica counts shape the model (topic creation, compose replicas), so they are read
// as numbers now, from the same configuration keys as the parameters; a bad value stops here with a
// message naming the parameter.
var settings = PipelineSettings.FromConfiguration(builder.Configuration);

// `aspire publish` writes docker-compose.yaml and .env for this environment.
builder.AddDockerComposeEnvironment(PipelineResources.ComposeEnvironment);

var eventsPerSecond = builder
    .AddParameter(PipelineParameters.EventsPerSecond, settings.EventsPerSecond.ToString(CultureInfo.InvariantCulture), publishValueAsDefault: true)
    .WithDescription("Events the Producer publishes per second.");

var kafka = builder.AddPipelineKafka(settings);

builder.AddProject<Projects.Producer>(PipelineResources.Producer)
    .WithReference(kafka.Connection)
    .WaitForKafka(kafka)
    .WithEnvironment(ServiceEnvironment.Topic, settings.Topic)
    .WithEnvironment(ServiceEnvironment.EventsPerSecond, eventsPerSecond)
    .WithHealthEndpoints();

var outputPath = builder.ExecutionContext.IsPublishMode
    ? ServiceEnvironment.ContainerOutputPath
    : ServiceEnvironment.LocalOutputPath(builder.AppHostDirectory);

builder.AddProject<Projects.StreamProcessor>(PipelineResources.StreamProcessor)
    .WithReference(kafka.Connection)
    .WaitForKafka(kafka)
    .WithEnvironment(ServiceEnvironment.Topic, settings.Topic)
    .WithEnvironment(ServiceEnvironment.OutputPath, outputPath)
    .WithHealthEndpoints()
    .WithReplicas(settings.ProcessorReplicas)
    .PublishAsDockerComposeService((_, service) =>
    {
        // The compose publisher ignores WithReplicas: the replica count goes on the compose service.
        service.Deploy ??= new Aspire.Hosting.Docker.Resources.ServiceNodes.Swarm.Deploy();
        service.Deploy.Replicas = settings.ProcessorReplicas;
        // Parquet lands beside docker-compose.yaml, in ./data/output, where the user can read it.
        service.Volumes.Add(new Aspire.Hosting.Docker.Resources.ServiceNodes.Volume
        {
            Name = "parquet-output",
            Type = "bind",
            Source = "./data/output",
            Target = ServiceEnvironment.ContainerOutputPath,
        });
    });

builder.Build().Run();
