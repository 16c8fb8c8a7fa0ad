using System.Globalization;
using System.Text.RegularExpressions;
using Pipeline.AppHost.Topology;

namespace Pipeline.Tests.AppHost;

/// <summary>
/// The docker-compose.yaml and .env that the default AppHost build publishes, checked for what <c>docker compose up</c>
/// needs from them, since Docker cannot run here: images, variables with values, Kafka reached on its advertised
/// listener, the topics created once Kafka answers, the output folder writable by the services' user, dependencies,
/// replicas and the Azurite variant. The init scripts are run by a real shell with stand-ins for Kafka's tool.
/// </summary>
public sealed partial class ComposePublishTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("pipeline-compose-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task Published_EveryServiceHasAnImage_AndEveryVariableAValue()
    {
        // Act
        var compose = await PublishedCompose.PublishAsync(_folder);

        // Assert: as published, with .env as Aspire writes it (keys only until `aspire deploy` fills them).
        foreach (var service in compose.ServiceNames)
        {
            Assert.False(string.IsNullOrWhiteSpace(compose.Value(service, "image")), $"Service {service} has no image once interpolated ('{compose.Raw(service, "image")}').");
        }

        foreach (var reference in compose.References().Distinct())
        {
            Assert.False(string.IsNullOrEmpty(compose.Interpolate(reference)), $"{reference} is empty with the published .env and has no default.");
        }

        foreach (var name in compose.Env.Keys)
        {
            Assert.Contains(compose.References(), reference => reference.StartsWith("${" + name, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Published_ExposedPorts_AreNumbers()
    {
        // Act
        var compose = await PublishedCompose.PublishAsync(_folder);

        // Assert: compose rejects an empty expose entry (services.producer.expose is invalid).
        foreach (var service in new[] { PipelineResources.Producer, PipelineResources.StreamProcessor })
        {
            var exposed = Assert.Single(compose.List(service, "expose"));
            Assert.True(int.TryParse(exposed, NumberStyles.None, CultureInfo.InvariantCulture, out _), $"{service} exposes '{exposed}'.");
            Assert.Equal(exposed, compose.Environment(service)["HTTP_PORTS"]);
        }
    }

    [Fact]
    public async Task Published_TopicInit_UsesTheBrokersImage_WaitsForKafka_ThenCreatesTheTopics()
    {
        // Arrange
        var compose = await PublishedCompose.PublishAsync(_folder,
            $"--{PipelineParameters.ConfigurationKey(PipelineParameters.Topic)}=sensors",
            $"--{PipelineParameters.ConfigurationKey(PipelineParameters.TopicPartitions)}=6");
        var init = PipelineResources.TopicInit;
        using var tools = new StandInTools();
        tools.AddKafkaTopics(failedListCalls: 2);

        // Act: the published command, as the container runs it, against a Kafka that answers on the third try.
        Assert.Equal(["/bin/sh"], compose.List(init, "entrypoint"));
        var command = compose.List(init, "command");
        Assert.Equal("-c", command[0]);
        var (exitCode, output) = await tools.RunAsync(command[1]);
        var calls = tools.Calls("kafka-topics");

        // Assert
        Assert.Equal(compose.Value(PipelineResources.Kafka, "image"), compose.Value(init, "image"));
        Assert.True(exitCode == 0, output);
        var internalAddress = calls[0].Split(' ')[1];
        Assert.Equal(
        [
            .. Enumerable.Repeat($"--bootstrap-server {internalAddress} --list", 3),
            $"--bootstrap-server {internalAddress} --create --if-not-exists --topic sensors --partitions 6",
            $"--bootstrap-server {internalAddress} --create --if-not-exists --topic sensors.windows --partitions 6",
            $"--bootstrap-server {internalAddress} --create --if-not-exists --topic sensors.dlq --partitions 1",
        ], calls);
        Assert.Contains(internalAddress, compose.Environment(PipelineResources.Kafka)["KAFKA_ADVERTISED_LISTENERS"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Published_Services_ReachKafkaOnAnAdvertisedListener_WithTheirStructuredSettings()
    {
        // Act
        var compose = await PublishedCompose.PublishAsync(_folder, $"--{PipelineParameters.ConfigurationKey(PipelineParameters.Topic)}=sensors");

        // Assert
        var kafka = compose.Environment(PipelineResources.Kafka);
        var advertised = kafka["KAFKA_ADVERTISED_LISTENERS"].Split(',').Select(static listener => listener[(listener.IndexOf("//", StringComparison.Ordinal) + 2)..]).ToList();
        var producer = compose.Environment(PipelineResources.Producer);
        var processor = compose.Environment(PipelineResources.StreamProcessor);
        foreach (var settings in new[] { producer, processor })
        {
            var bootstrap = settings[ServiceEnvironment.KafkaConnectionString];
            Assert.Contains(bootstrap, advertised);
            Assert.StartsWith(PipelineResources.Kafka + ":", bootstrap, StringComparison.Ordinal);
            Assert.Contains(bootstrap.Split(':')[1], compose.List(PipelineResources.Kafka, "expose"));
        }

        Assert.Equal("sensors", producer[ServiceEnvironment.ProducerTopic]);
        Assert.Equal("5", producer[ServiceEnvironment.ProducerMessagesPerSecond]);
        Assert.Equal("sensors", processor[ServiceEnvironment.ProcessorTopic]);
        Assert.Equal(ServiceEnvironment.ContainerOutputPath, processor[ServiceEnvironment.ProcessorOutputPath]);
        Assert.Equal("http://compose-dashboard:18889", processor["OTEL_EXPORTER_OTLP_ENDPOINT"]);
    }

    [Fact]
    public async Task Published_Workers_WaitForKafkaTheTopicsAndTheOutputFolder()
    {
        // Act
        var compose = await PublishedCompose.PublishAsync(_folder);

        // Assert
        Assert.Equal("service_started", compose.DependsOn(PipelineResources.TopicInit)[PipelineResources.Kafka]);
        foreach (var service in new[] { PipelineResources.Producer, PipelineResources.StreamProcessor })
        {
            Assert.Equal("service_completed_successfully", compose.DependsOn(service)[PipelineResources.TopicInit]);
        }

        Assert.Equal("service_completed_successfully", compose.DependsOn(PipelineResources.StreamProcessor)[PipelineResources.OutputInit]);
        Assert.Equal("1", compose.Nested(PipelineResources.StreamProcessor, "deploy", "replicas"));
    }

    [Fact]
    public async Task Published_OutputFolder_IsBoundBesideTheFile_AndHandedToTheImagesUserBeforeTheProcessorStarts()
    {
        // Arrange
        var compose = await PublishedCompose.PublishAsync(_folder);
        var bind = Assert.Single(compose.Volumes(PipelineResources.StreamProcessor));
        var init = PipelineResources.OutputInit;

        // Act: the init's command with its folder moved into a temporary one, and chown recorded instead of run.
        var hostFolder = Path.Combine(_folder, "host-output");
        using var tools = new StandInTools();
        tools.Add("chown");
        Assert.Equal(["/bin/sh"], compose.List(init, "entrypoint"));
        var command = compose.List(init, "command");
        Assert.Equal("-c", command[0]);
        var (exitCode, output) = await tools.RunAsync(command[1].Replace(bind["target"], hostFolder, StringComparison.Ordinal));

        // Assert
        Assert.Equal(("bind", ServiceEnvironment.ComposeOutputFolder, ServiceEnvironment.ContainerOutputPath), (bind["type"], bind["source"], bind["target"]));
        Assert.Equal(bind.OrderBy(static p => p.Key), Assert.Single(compose.Volumes(init)).OrderBy(static p => p.Key));
        Assert.Equal("0", compose.Value(init, "user"));
        Assert.True(exitCode == 0, output);
        Assert.True(Directory.Exists(hostFolder));
        var uid = ServiceEnvironment.ContainerUserId.ToString(CultureInfo.InvariantCulture);
        Assert.Equal([$"{uid}:{uid} {hostFolder}"], tools.Calls("chown"));
    }

    [Fact]
    public async Task Published_Replicas_GoOnTheProcessorsComposeService()
    {
        // Act
        var compose = await PublishedCompose.PublishAsync(_folder,
            $"--{PipelineParameters.ConfigurationKey(PipelineParameters.ProcessorReplicas)}=2",
            $"--{PipelineParameters.ConfigurationKey(PipelineParameters.TopicPartitions)}=4");

        // Assert
        Assert.Equal("2", compose.Nested(PipelineResources.StreamProcessor, "deploy", "replicas"));
    }

    [Fact]
    public async Task Published_WithAzurite_TheProcessorWritesToItsBlobEndpoint_AndBindsNoFolder()
    {
        // Act
        var compose = await PublishedCompose.PublishAsync(_folder, $"--{PipelineParameters.ConfigurationKey(PipelineParameters.OutputStorage)}=azurite");

        // Assert
        Assert.StartsWith("mcr.microsoft.com/azure-storage/azurite:", compose.Value(PipelineResources.Azurite, "image"), StringComparison.Ordinal);
        var processor = compose.Environment(PipelineResources.StreamProcessor);
        Assert.Contains($"BlobEndpoint=http://{PipelineResources.Azurite}:10000/", processor[ServiceEnvironment.OutputConnectionString], StringComparison.Ordinal);
        Assert.DoesNotContain(ServiceEnvironment.ProcessorOutputPath, processor.Keys);
        Assert.Empty(compose.Volumes(PipelineResources.StreamProcessor));
        Assert.False(compose.HasService(PipelineResources.OutputInit));
        Assert.Contains(PipelineResources.Azurite, compose.DependsOn(PipelineResources.StreamProcessor).Keys);
    }

    [Fact]
    public async Task Readme_PublishSection_ShowsThePublishedFile()
    {
        // Arrange
        var compose = await PublishedCompose.PublishAsync(_folder);
        var readme = await File.ReadAllTextAsync(Path.Combine(PublishedCompose.RepositoryRoot, "README.md"),
            TestContext.Current.CancellationToken);

        // Act: the services of the README's docker-compose.yaml block (two-space indented keys under services:).
        var block = ReadmeComposeBlock().Match(readme);
        Assert.True(block.Success, "The README has no ```yaml block starting with 'services:' under '### Publish'.");
        var shown = ServiceLine().Matches(block.Groups["body"].Value).Select(static m => m.Groups["name"].Value).ToList();

        // Assert
        Assert.Equal(compose.ServiceNames.Order(StringComparer.Ordinal), shown.Order(StringComparer.Ordinal));
    }

    [GeneratedRegex(@"### Publish.*?```yaml\n(?<body>services:\n.*?)```", RegexOptions.Singleline)]
    private static partial Regex ReadmeComposeBlock();

    [GeneratedRegex(@"^  (?<name>[a-z][a-z0-9-]*):", RegexOptions.Multiline)]
    private static partial Regex ServiceLine();
}
