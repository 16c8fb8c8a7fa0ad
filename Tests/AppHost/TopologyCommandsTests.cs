using Pipeline.AppHost.Topology;
using Pipeline.KafkaBroker;
using Pipeline.KafkaBroker.Hosting;

namespace Pipeline.Tests.AppHost;

public sealed class TopologyCommandsTests
{
    [Fact]
    public async Task EmbeddedBrokerArguments_ParsedByTheBrokersCommandLine_SeedThePipelineTopics()
    {
        // Arrange
        var settings = new PipelineSettings { Topic = "sensors", TopicPartitions = 4 };
        KafkaBrokerOptions? parsed = null;

        // Act
        var exitCode = await BrokerCommandLine.Create((options, _) =>
            {
                parsed = options;
                return Task.FromResult(0);
            })
            .Parse([.. EmbeddedBrokerArguments.For(settings, "/var/data/kafka")])
            .InvokeAsync(cancellationToken: TestContext.Current.CancellationToken);

        // Assert
        Assert.Equal(0, exitCode);
        Assert.NotNull(parsed);
        Assert.Equal(PipelineSettings.EmbeddedBrokerPort, parsed.Port);
        Assert.Equal("127.0.0.1", parsed.Host);
        Assert.Equal("/var/data/kafka", parsed.DataDirectory);
        Assert.Equal(4, parsed.DefaultPartitions);
        Assert.Equal(4, parsed.SeedTopics["sensors"]);
        Assert.Equal(4, parsed.SeedTopics["sensors.windows"]);
        Assert.Equal(1, parsed.SeedTopics["sensors.dlq"]);
        Assert.Equal("127.0.0.1:9092", EmbeddedBrokerArguments.BootstrapServers);
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
