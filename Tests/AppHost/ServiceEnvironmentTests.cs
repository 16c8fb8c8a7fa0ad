using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Pipeline.AppHost.Topology;
using Pipeline.Producer;
using Pipeline.Producer.Extensions;
using Pipeline.ServiceDefaults.Kafka;
using Pipeline.StreamProcessor;
using Pipeline.StreamProcessor.Extensions;
using Pipeline.StreamProcessor.Sinks;

namespace Pipeline.Tests.AppHost;

/// <summary>
/// The environment the AppHost gives each service, fed to the real service registrations the way
/// the environment-variable provider would (<c>__</c> becomes <c>:</c>): the names must be ones the
/// services actually read.
/// </summary>
public sealed class ServiceEnvironmentTests
{
    private const string KafkaAddress = "kafka:9093";

    [Fact]
    public void Producer_GivenTheAppHostsEnvironment_PublishesToTheTopicAtTheRate()
    {
        // Arrange
        var settings = new PipelineSettings { Topic = "sensors", EventsPerSecond = 42.5 };
        var environment = WithKafkaReference(ServiceEnvironment.ForProducer(settings));

        // Act
        using var host = BuildHost(environment, static builder => builder.AddEventProducer());
        var options = host.Services.GetRequiredService<IOptions<ProducerOptions>>().Value;

        // Assert
        Assert.Equal("sensors", options.Topic);
        Assert.Equal(42.5, options.MessagesPerSecond);
        Assert.Equal(KafkaAddress, ProducerExtensions.CreateProducerConfig(host.Services.GetRequiredService<IConfiguration>()).BootstrapServers);
    }

    [Fact]
    public void StreamProcessor_GivenTheAppHostsEnvironment_ReadsTheTopicAndWritesToTheOutputPath()
    {
        // Arrange
        var output = Path.Combine(Path.GetTempPath(), "pipeline-apphost-" + Guid.NewGuid().ToString("N"));
        var settings = new PipelineSettings { Topic = "sensors" };
        var environment = WithKafkaReference(ServiceEnvironment.ForStreamProcessor(settings, output));

        // Act
        using var host = BuildHost(environment, static builder => builder.AddStreamProcessor());
        var processor = host.Services.GetRequiredService<IOptions<ProcessorOptions>>().Value;
        var sink = host.Services.GetRequiredService<IOptions<SinkOptions>>().Value;

        // Assert
        Assert.Equal("sensors", processor.Topic);
        Assert.Equal(output, sink.OutputPath);
        Assert.Equal(KafkaAddress, KafkaConnection.GetBootstrapServers(host.Services.GetRequiredService<IConfiguration>()));
    }

    [Fact]
    public void LocalOutputPath_IsDataOutputBesideTheAppHostFolder_WhereStandaloneWritesToo()
    {
        // Arrange
        var repository = Path.Combine(Path.GetTempPath(), "checkout");

        // Act
        var path = ServiceEnvironment.LocalOutputPath(Path.Combine(repository, "AppHost"));

        // Assert
        Assert.Equal(Path.Combine(repository, "data", "output"), path);
    }

    /// <summary>What <c>WithReference(kafka)</c> adds: Aspire's connection-string variable.</summary>
    private static Dictionary<string, string> WithKafkaReference(IReadOnlyDictionary<string, string> environment) =>
        new(environment) { [ServiceEnvironment.KafkaConnectionString] = KafkaAddress };

    private static IHost BuildHost(IReadOnlyDictionary<string, string> environment, Action<IHostApplicationBuilder> addService)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(environment.Select(static variable =>
            new KeyValuePair<string, string?>(variable.Key.Replace("__", ":", StringComparison.Ordinal), variable.Value)));
        addService(builder);
        return builder.Build();
    }
}
