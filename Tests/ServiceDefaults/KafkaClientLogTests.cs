using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Pipeline.ServiceDefaults.Kafka;

namespace Pipeline.Tests.ServiceDefaults;

public sealed class KafkaClientLogTests
{
    [Theory]
    [InlineData(SyslogLevel.Emergency, LogLevel.Critical)]
    [InlineData(SyslogLevel.Alert, LogLevel.Critical)]
    [InlineData(SyslogLevel.Critical, LogLevel.Critical)]
    [InlineData(SyslogLevel.Error, LogLevel.Error)]
    [InlineData(SyslogLevel.Warning, LogLevel.Warning)]
    [InlineData(SyslogLevel.Notice, LogLevel.Information)]
    [InlineData(SyslogLevel.Info, LogLevel.Information)]
    [InlineData(SyslogLevel.Debug, LogLevel.Debug)]
    public void LevelOf_SyslogLevel_MapsToTheLogLevel(SyslogLevel level, LogLevel expected) =>
        Assert.Equal(expected, KafkaClientLog.LevelOf(level));

    [Fact]
    public void Handler_LineWithASecretOfTheConfig_ForwardsItAtItsLevelWithTheSecretMasked()
    {
        // Arrange
        var logs = new CapturingLoggerProvider { MinimumLevel = LogLevel.Trace };
        using var factory = LoggerFactory.Create(builder => builder.AddProvider(logs).SetMinimumLevel(LogLevel.Trace));
        var config = new ConsumerConfig { ClientId = "my-consumer", SaslUsername = "alice", SaslPassword = "hunter2" };
        var handler = KafkaClientLog.Handler(factory, config, "consumer");

        // Act
        handler(null!, new LogMessage("rdkafka#consumer-1", SyslogLevel.Debug, "CONF", "sasl.password = hunter2 for alice"));
        handler(null!, new LogMessage("rdkafka#consumer-1", SyslogLevel.Warning, "PROTOERR", "unexpected answer"));

        // Assert
        Assert.Collection(logs.Entries,
            debug =>
            {
                Assert.Equal(LogLevel.Debug, debug.Level);
                Assert.Equal("librdkafka CONF [rdkafka#consumer-1] sasl.password = *** for alice", debug.Message);
            },
            warning => Assert.Equal((LogLevel.Warning, "librdkafka PROTOERR [rdkafka#consumer-1] unexpected answer"), (warning.Level, warning.Message)));
    }

    [Fact]
    public void Handler_ConnectionFailureLine_IsDebug_TheErrorHandlerReportsIt()
    {
        var logs = new CapturingLoggerProvider { MinimumLevel = LogLevel.Trace };
        using var factory = LoggerFactory.Create(builder => builder.AddProvider(logs).SetMinimumLevel(LogLevel.Trace));
        var handler = KafkaClientLog.Handler(factory, new ProducerConfig(), "producer");

        handler(null!, new LogMessage("rdkafka#producer-1", SyslogLevel.Error, "FAIL", "Connect to ipv4#127.0.0.1:1 failed"));

        Assert.Equal(LogLevel.Debug, Assert.Single(logs.Entries).Level);
    }

    [Fact]
    public void Handler_Probe_ForwardsEveryLineAtDebug()
    {
        var logs = new CapturingLoggerProvider { MinimumLevel = LogLevel.Trace };
        using var factory = LoggerFactory.Create(builder => builder.AddProvider(logs).SetMinimumLevel(LogLevel.Trace));
        var handler = KafkaClientLog.Handler(factory, new ProducerConfig(), "producer", "health");

        handler(null!, new LogMessage("rdkafka#producer-2", SyslogLevel.Error, "FAIL", "connection refused"));

        Assert.Equal(LogLevel.Debug, Assert.Single(logs.Entries).Level);
    }

    [Fact]
    public void Category_NamesTheClientByItsIdElseItsName()
    {
        Assert.Equal("Pipeline.Kafka.pipeline-producer", KafkaClientLog.Category(new ProducerConfig { ClientId = "pipeline-producer" }, "producer"));
        Assert.Equal("Pipeline.Kafka.results-producer.health", KafkaClientLog.Category(new ProducerConfig(), "results producer", "health"));
    }
}
