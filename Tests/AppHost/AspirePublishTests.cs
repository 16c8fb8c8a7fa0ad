using System.Text.Json;
using Aspire.Hosting.Testing;
using Pipeline.AppHost.Topology;

namespace Pipeline.Tests.AppHost;

/// <summary>
/// The model published by Aspire's built-in manifest publisher (what <c>dotnet run --project AppHost
/// -p:EmbeddedKafka=true -- --publisher manifest --output-path aspire-manifest.json</c> writes): the
/// resources, the services' structured settings, the parameter and the bindings a deployment needs.
/// </summary>
public sealed class AspirePublishTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "pipeline-manifest-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    [Fact]
    public async Task Manifest_OfTheModel_HoldsTheResourcesTheirStructuredSettingsAndBindings()
    {
        // Arrange
        var cancellationToken = TestContext.Current.CancellationToken;
        var manifestPath = Path.Combine(_folder, "aspire-manifest.json");
        await using var builder = DistributedApplicationTestingBuilder.Create(
            ["--publisher", "manifest", "--output-path", manifestPath, $"--{PipelineParameters.ConfigurationKey(PipelineParameters.Topic)}=sensors"]);
        var settings = PipelineSettings.FromConfiguration(builder.Configuration);
        var kafka = builder.AddEmbeddedKafka<Projects.KafkaBroker>(settings).WithPipelineTopics(settings);
        builder.AddPipelineServices<Projects.Producer, Projects.StreamProcessor>(settings, kafka);

        // Act
        await using var app = await builder.BuildAsync(cancellationToken);
        await app.RunAsync(cancellationToken).WaitAsync(TimeSpan.FromMinutes(2), cancellationToken);

        // Assert
        using var manifest = JsonDocument.Parse(await File.ReadAllTextAsync(manifestPath, cancellationToken));
        var resources = manifest.RootElement.GetProperty("resources");

        var broker = resources.GetProperty(PipelineResources.EmbeddedBroker);
        Assert.Equal("project.v0", broker.GetProperty("type").GetString());
        Assert.Equal("tcp", broker.GetProperty("bindings").GetProperty(EmbeddedKafka.EndpointName).GetProperty("scheme").GetString());
        Assert.Contains($"{{{PipelineResources.EmbeddedBroker}.bindings.{EmbeddedKafka.EndpointName}.targetPort}}",
            broker.GetProperty("args").EnumerateArray().Select(static a => a.GetString()));

        // The services find Kafka through the one connection string, whichever Kafka it is.
        Assert.Equal(
            $"{{{PipelineResources.EmbeddedBroker}.bindings.{EmbeddedKafka.EndpointName}.host}}:{{{PipelineResources.EmbeddedBroker}.bindings.{EmbeddedKafka.EndpointName}.port}}",
            resources.GetProperty(PipelineResources.Kafka).GetProperty("connectionString").GetString());

        Assert.Equal("5", resources.GetProperty(PipelineParameters.EventsPerSecond)
            .GetProperty("inputs").GetProperty("value").GetProperty("default").GetProperty("value").GetString());

        var producer = Environment(resources, PipelineResources.Producer);
        Assert.Equal("{kafka.connectionString}", producer[ServiceEnvironment.KafkaConnectionString]);
        Assert.Equal("sensors", producer[ServiceEnvironment.ProducerTopic]);
        Assert.Equal("{events-per-second.value}", producer[ServiceEnvironment.ProducerMessagesPerSecond]);
        Assert.Equal("{producer.bindings.http.targetPort}", producer["HTTP_PORTS"]);

        var processor = Environment(resources, PipelineResources.StreamProcessor);
        Assert.Equal("{kafka.connectionString}", processor[ServiceEnvironment.KafkaConnectionString]);
        Assert.Equal("sensors", processor[ServiceEnvironment.ProcessorTopic]);
        Assert.Equal(ServiceEnvironment.ContainerOutputPath, processor[ServiceEnvironment.ProcessorOutputPath]);
        Assert.Equal("{stream-processor.bindings.http.targetPort}", processor["HTTP_PORTS"]);

        // No seed alias is passed: the structured keys are the one settings channel.
        Assert.DoesNotContain(producer.Keys.Concat(processor.Keys), static key => key is "KAFKA_TOPIC" or "MSGS_PER_SEC" or "OUTPUT_PATH");
    }

    private static Dictionary<string, string?> Environment(JsonElement resources, string name) =>
        resources.GetProperty(name).GetProperty("env").EnumerateObject()
            .ToDictionary(static variable => variable.Name, static variable => variable.Value.GetString(), StringComparer.Ordinal);
}
