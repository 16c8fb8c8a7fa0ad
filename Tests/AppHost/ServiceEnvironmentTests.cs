using System.Globalization;
using Aspire.Hosting.Testing;
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
using Pipeline.StreamProcessor.Storage;

namespace Pipeline.Tests.AppHost;

/// <summary>
/// The settings the AppHost gives each service, fed to the real service registrations over the
/// service's real <c>appsettings.json</c>, the way the environment-variable provider would (<c>__</c>
/// becomes <c>:</c>, and it comes after the JSON files): the names must be ones the services read, and
/// they must win over what <c>appsettings.json</c> says.
/// </summary>
public sealed class ServiceEnvironmentTests
{
    private const string KafkaAddress = "kafka:9093";

    [Fact]
    public void Producer_GivenTheAppHostsEnvironment_PublishesToTheTopicAtTheRate()
    {
        // Arrange
        var environment = new Dictionary<string, string>
        {
            [ServiceEnvironment.KafkaConnectionString] = KafkaAddress,
            [ServiceEnvironment.ProducerTopic] = "sensors",
            [ServiceEnvironment.ProducerMessagesPerSecond] = "42.5",
        };

        // Act
        using var host = BuildHost("Producer", environment, static builder => builder.AddEventProducer());
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
        var environment = new Dictionary<string, string>
        {
            [ServiceEnvironment.KafkaConnectionString] = KafkaAddress,
            [ServiceEnvironment.ProcessorTopic] = "sensors",
            [ServiceEnvironment.ProcessorOutputPath] = output,
        };

        // Act
        using var host = BuildHost("StreamProcessor", environment, static builder => builder.AddStreamProcessor());
        var processor = host.Services.GetRequiredService<IOptions<ProcessorOptions>>().Value;
        var sink = host.Services.GetRequiredService<IOptions<SinkOptions>>().Value;

        // Assert
        Assert.Equal("sensors", processor.Topic);
        Assert.Equal(output, sink.OutputPath);
        Assert.Equal(KafkaAddress, KafkaConnection.GetBootstrapServers(host.Services.GetRequiredService<IConfiguration>()));
    }

    [Fact]
    public async Task StreamProcessor_GivenAzuritesConnectionString_WritesToItsBlobEndpoint()
    {
        // Arrange: the model's connection string, with the address Aspire puts in it when it runs.
        await using var model = DistributedApplicationTestingBuilder.Create([$"--{PipelineParameters.ConfigurationKey(PipelineParameters.OutputStorage)}=azurite"]);
        var settings = PipelineSettings.FromConfiguration(model.Configuration);
        var output = model.AddPipelineOutput(settings, AzuriteHosting.Executable)!;
        var expression = output.Connection.Resource.ConnectionStringExpression;
        var connectionString = string.Format(CultureInfo.InvariantCulture, expression.Format, "127.0.0.1", "49152");
        var environment = new Dictionary<string, string>
        {
            [ServiceEnvironment.KafkaConnectionString] = KafkaAddress,
            [ServiceEnvironment.OutputConnectionString] = connectionString,
        };

        // Act
        using var host = BuildHost("StreamProcessor", environment, static builder => builder.AddStreamProcessor());
        var sink = host.Services.GetRequiredService<IOptions<SinkOptions>>().Value;
        var storage = host.Services.GetRequiredService<IRunStorage>();

        // Assert: the name is the one the StreamProcessor reads, and the string is one it accepts.
        Assert.Equal("ConnectionStrings__" + SinkOptions.OutputConnectionName, ServiceEnvironment.OutputConnectionString);
        Assert.Equal(connectionString, sink.OutputConnectionString);
        // The SDK takes the account from the path on an IP address: the container is "pipeline", not the account.
        Assert.Equal("pipeline", Assert.IsType<BlobStorage>(storage).Container.Name);
        Assert.Equal("http://127.0.0.1:49152/devstoreaccount1/pipeline/run_default/", storage.Root);
    }

    [Fact]
    public void ResolveDataDirectory_NotSet_IsDataBesideTheAppHostFolder_WhereStandaloneWritesToo()
    {
        // Arrange
        var repository = Path.Combine(Path.GetTempPath(), "checkout");

        // Act
        var path = new PipelineSettings().ResolveDataDirectory(Path.Combine(repository, "AppHost"));

        // Assert
        Assert.Equal(Path.Combine(repository, "data"), path);
    }

    /// <summary>A host as the service's Program.cs builds it, from the service's own build folder (its appsettings.json).</summary>
    private static IHost BuildHost(string project, IReadOnlyDictionary<string, string> environment, Action<IHostApplicationBuilder> addService)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            DisableDefaults = true,
            ContentRootPath = ServiceProcess.OutputDirectory(project),
        });
        builder.Configuration.AddJsonFile("appsettings.json", optional: false);
        builder.Configuration.AddInMemoryCollection(environment.Select(static variable =>
            new KeyValuePair<string, string?>(variable.Key.Replace("__", ":", StringComparison.Ordinal), variable.Value)));
        addService(builder);
        return builder.Build();
    }
}
