using Pipeline.AppHost.Topology;
using Pipeline.KafkaBroker;
using Pipeline.KafkaBroker.Hosting;
using Pipeline.Standalone;

namespace Pipeline.Tests.AppHost;

public sealed class TopologyCommandsTests
{
    [Fact]
    public async Task EmbeddedBrokerArguments_ParsedByTheBrokersCommandLine_KeepItsLogAndPartitions()
    {
        // Arrange
        var settings = new PipelineSettings { Topic = "sensors", TopicPartitions = 4 };

        // Act
        var (exitCode, parsed) = await ParseEmbeddedBrokerArgumentsAsync(settings);

        // Assert
        Assert.Equal(0, exitCode);
        Assert.NotNull(parsed);
        Assert.Equal(40123, parsed.Port);
        Assert.Equal("127.0.0.1", parsed.Host);
        Assert.Equal("/var/data/kafka", parsed.DataDirectory);
        Assert.Equal(4, parsed.DefaultPartitions);
    }

    [Fact]
    public async Task EmbeddedBrokerArguments_ParsedByTheBrokersCommandLine_BoundTheLogAsStandaloneDoes()
    {
        // Arrange
        var settings = new PipelineSettings();
        var standalone = new StandaloneOptions().BrokerOptions();

        // Act
        var (exitCode, parsed) = await ParseEmbeddedBrokerArgumentsAsync(settings);

        // Assert: an hour and 256 MiB per partition, the same for both ways of running a demo.
        Assert.Equal(0, exitCode);
        Assert.NotNull(parsed);
        Assert.Equal(TimeSpan.FromHours(1), parsed.Retention);
        Assert.Equal(256L * 1024 * 1024, parsed.RetentionBytes);
        Assert.Equal(
            (standalone.Retention, standalone.RetentionBytes, standalone.SegmentBytes, standalone.SegmentRoll, standalone.RetentionCheckInterval),
            (parsed.Retention, parsed.RetentionBytes, parsed.SegmentBytes, parsed.SegmentRoll, parsed.RetentionCheckInterval));
        Assert.Empty(parsed.Validate());
    }

    [Fact]
    public async Task TopicInitScript_WaitsForKafkaToAnswer_ThenCreatesEachTopicIfMissing()
    {
        // Arrange: the script run by a real shell, with a kafka-topics that refuses the first two --list calls,
        // as a broker whose container has started but does not listen yet.
        var settings = new PipelineSettings { Topic = "events", TopicPartitions = 3 };
        using var tools = new StandInTools();
        tools.AddKafkaTopics(failedListCalls: 2);

        // Act
        var (exitCode, output) = await tools.RunAsync(TopicInitCommands.Script(settings, "kafka:9093"));

        // Assert: three --list calls (the last answered), then each topic created with Kafka's own default replication.
        Assert.True(exitCode == 0, output);
        Assert.Equal(
        [
            "--bootstrap-server kafka:9093 --list",
            "--bootstrap-server kafka:9093 --list",
            "--bootstrap-server kafka:9093 --list",
            "--bootstrap-server kafka:9093 --create --if-not-exists --topic events --partitions 3",
            "--bootstrap-server kafka:9093 --create --if-not-exists --topic events.windows --partitions 3",
            "--bootstrap-server kafka:9093 --create --if-not-exists --topic events.dlq --partitions 1",
        ], tools.Calls("kafka-topics"));
        Assert.Contains("Waiting for Kafka at kafka:9093", output, StringComparison.Ordinal);
    }

    /// <summary>
    /// The options the broker's own command line makes of the arguments the AppHost gives the embedded broker, which
    /// puts the port Aspire allocates first (here 40123) and keeps its log in <c>/var/data/kafka</c>.
    /// </summary>
    private static async Task<(int ExitCode, KafkaBrokerOptions? Parsed)> ParseEmbeddedBrokerArgumentsAsync(PipelineSettings settings)
    {
        KafkaBrokerOptions? parsed = null;
        var exitCode = await BrokerCommandLine.Create((options, _) =>
            {
                parsed = options;
                return Task.FromResult(0);
            })
            .Parse(["--port", "40123", .. EmbeddedKafka.Arguments(settings, "/var/data/kafka")])
            .InvokeAsync(cancellationToken: TestContext.Current.CancellationToken);
        return (exitCode, parsed);
    }
}
