using Pipeline.AppHost.Topology;
using Pipeline.KafkaBroker;
using Pipeline.KafkaBroker.Hosting;

namespace Pipeline.Tests.AppHost;

public sealed class TopologyCommandsTests
{
    [Fact]
    public async Task EmbeddedBrokerArguments_ParsedByTheBrokersCommandLine_KeepItsLogAndPartitions()
    {
        // Arrange
        var settings = new PipelineSettings { Topic = "sensors", TopicPartitions = 4 };
        KafkaBrokerOptions? parsed = null;

        // Act: the AppHost puts the port Aspire allocates first.
        var exitCode = await BrokerCommandLine.Create((options, _) =>
            {
                parsed = options;
                return Task.FromResult(0);
            })
            .Parse(["--port", "40123", .. EmbeddedKafka.Arguments(settings, "/var/data/kafka")])
            .InvokeAsync(cancellationToken: TestContext.Current.CancellationToken);

        // Assert
        Assert.Equal(0, exitCode);
        Assert.NotNull(parsed);
        Assert.Equal(40123, parsed.Port);
        Assert.Equal("127.0.0.1", parsed.Host);
        Assert.Equal("/var/data/kafka", parsed.DataDirectory);
        Assert.Equal(4, parsed.DefaultPartitions);
    }

    [Fact]
    public void TopicInitScript_CreatesEachTopicIfMissing_WithKafkasOwnTool()
    {
        // Arrange
        var settings = new PipelineSettings { Topic = "events", TopicPartitions = 3 };

        // Act
        var script = TopicInitCommands.Script(settings, "kafka:9093");

        // Assert
        Assert.Equal(
            "kafka-topics --bootstrap-server kafka:9093 --create --if-not-exists --topic events --partitions 3 --replication-factor 1" +
            " && kafka-topics --bootstrap-server kafka:9093 --create --if-not-exists --topic events.windows --partitions 3 --replication-factor 1" +
            " && kafka-topics --bootstrap-server kafka:9093 --create --if-not-exists --topic events.dlq --partitions 1 --replication-factor 1",
            script);
    }
}
