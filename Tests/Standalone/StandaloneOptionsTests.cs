using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Pipeline.AppHost.Topology;
using Pipeline.Standalone;
using Pipeline.StreamProcessor.Sinks;

namespace Pipeline.Tests.Standalone;

public sealed class StandaloneOptionsTests
{
    [Fact]
    public void BrokerOptions_WithFourPartitions_SeedsTheWindowsTopicWithFourPartitions()
    {
        // Arrange
        var sut = new StandaloneOptions { Topic = "readings", Partitions = 4 };

        // Act
        var broker = sut.BrokerOptions();

        // Assert: the events and windows topics share the partition count; dead letters get one partition.
        Assert.Equal(4, broker.SeedTopics["readings"]);
        Assert.Equal(4, broker.SeedTopics["readings.windows"]);
        Assert.Equal(1, broker.SeedTopics["readings.dlq"]);
        Assert.Equal("readings.windows", sut.WindowsTopic);
    }

    [Fact]
    public void BrokerOptions_ForAnyTopicAndPartitions_SeedsTheTopicsTheAppHostCreates()
    {
        // Arrange
        var sut = new StandaloneOptions { Topic = "sensors", Partitions = 6 };
        var appHost = new PipelineSettings { Topic = sut.Topic, TopicPartitions = sut.Partitions };

        // Act
        var broker = sut.BrokerOptions();

        // Assert
        Assert.Equal(
            appHost.Topics.ToDictionary(t => t.Name, t => t.Partitions),
            broker.SeedTopics);
    }

    private const string ConnectionString =
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=" + AzuriteEmulator.AccountKey +
        ";BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;ContainerName=standalone;";

    [Fact]
    public async Task CommandLine_WithOutputConnection_ReachesTheStreamProcessorAsConnectionStringsOutput()
    {
        // Arrange
        StandaloneOptions? parsed = null;
        var command = StandaloneCommandLine.Create((options, _) =>
        {
            parsed = options;
            return Task.FromResult(0);
        });

        // Act
        var exitCode = await command.Parse(["--output-connection", ConnectionString, "--plain"])
            .InvokeAsync(cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(0, exitCode);
        Assert.NotNull(parsed);
        var sink = SinkOptionsFrom(parsed.ServiceSettings("127.0.0.1:9092"));

        // Assert: the StreamProcessor's own binding reads it, and the record's text never shows it.
        Assert.Equal(ConnectionString, parsed.OutputConnectionString);
        Assert.Equal(ConnectionString, sink.OutputConnectionString);
        Assert.DoesNotContain(AzuriteEmulator.AccountKey, parsed.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CommandLine_WithoutOutputConnection_LeavesConnectionStringsOutputToTheEnvironment()
    {
        // Arrange
        StandaloneOptions? parsed = null;
        var command = StandaloneCommandLine.Create((options, _) =>
        {
            parsed = options;
            return Task.FromResult(0);
        });

        // Act
        await command.Parse(["--plain"]).InvokeAsync(cancellationToken: TestContext.Current.CancellationToken);
        Assert.NotNull(parsed);
        var settings = parsed.ServiceSettings("127.0.0.1:9092");

        // Assert: no key at all, so a ConnectionStrings__output variable (or nothing: the folder) decides.
        Assert.Null(parsed.OutputConnectionString);
        Assert.DoesNotContain(SinkOptions.OutputConnectionSetting, settings.Keys);
        Assert.Null(SinkOptionsFrom(settings).OutputConnectionString);
    }

    /// <summary>The StreamProcessor's <see cref="SinkOptions"/> bound from the settings the Standalone host starts it with.</summary>
    private static SinkOptions SinkOptionsFrom(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration);
        services.AddSinkOptions();
        using var provider = services.BuildServiceProvider();
        return provider.GetRequiredService<IOptions<SinkOptions>>().Value;
    }
}
