using Microsoft.Extensions.Configuration;
using Pipeline.AppHost.Topology;

namespace Pipeline.Tests.AppHost;

public sealed class PipelineSettingsTests
{
    [Fact]
    public void FromConfiguration_NothingSet_GivesTheDocumentedDefaults()
    {
        // Act
        var settings = PipelineSettings.FromConfiguration(Configuration());

        // Assert
        Assert.Equal("events", settings.Topic);
        Assert.Equal(3, settings.TopicPartitions);
        Assert.Equal(5, settings.EventsPerSecond);
        Assert.Equal(1, settings.ProcessorReplicas);
        Assert.Null(settings.DataDirectory);
        Assert.Equal(OutputStorage.Folder, settings.OutputStorage);
    }

    [Fact]
    public void FromConfiguration_ParametersSet_ReadsThemFromAspiresParameterKeys()
    {
        // Arrange
        var configuration = Configuration(
            ("Parameters:topic", "sensors"),
            ("Parameters:topic-partitions", "6"),
            ("Parameters:events-per-second", "250.5"),
            ("Parameters:processor-replicas", "3"),
            ("Parameters:data-directory", "/var/pipeline"),
            ("Parameters:output-storage", "Azurite"));

        // Act
        var settings = PipelineSettings.FromConfiguration(configuration);

        // Assert
        Assert.Equal("sensors", settings.Topic);
        Assert.Equal(6, settings.TopicPartitions);
        Assert.Equal(250.5, settings.EventsPerSecond);
        Assert.Equal(3, settings.ProcessorReplicas);
        Assert.Equal("/var/pipeline", settings.DataDirectory);
        Assert.Equal(OutputStorage.Azurite, settings.OutputStorage);
        Assert.Equal(
            [new TopicSpec("sensors", 6), new TopicSpec("sensors.windows", 6), new TopicSpec("sensors.dlq", 1)],
            settings.Topics);
    }

    [Theory]
    [InlineData("topic-partitions", "0")]
    [InlineData("topic-partitions", "three")]
    [InlineData("topic-partitions", "2.5")]
    [InlineData("events-per-second", "0")]
    [InlineData("events-per-second", "-5")]
    [InlineData("events-per-second", "fast")]
    [InlineData("processor-replicas", "0")]
    [InlineData("processor-replicas", "4")]
    [InlineData("topic", "bad topic!")]
    [InlineData("topic", "../events")]
    [InlineData("output-storage", "blob")]
    [InlineData("topic-replication-factor", "0")]
    [InlineData("topic-replication-factor", "three")]
    [InlineData("output-storage", "1")]
    [InlineData("topic", "a-topic-name-so-long-that-its-windows-topic-would-pass-kafkas-limit-of-249-characters-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx")]
    public void FromConfiguration_InvalidParameter_FailsNamingTheParameter(string name, string value)
    {
        // Arrange
        var configuration = Configuration(("Parameters:" + name, value));

        // Act
        var ex = Assert.Throws<InvalidOperationException>(() => PipelineSettings.FromConfiguration(configuration));

        // Assert
        Assert.Contains($"'{name}' (Parameters:{name})", ex.Message, StringComparison.Ordinal);
        Assert.Contains(value, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromConfiguration_UnknownOutputStorage_SaysWhichOnesThereAre()
    {
        // Act
        var ex = Assert.Throws<InvalidOperationException>(() => PipelineSettings.FromConfiguration(Configuration(("Parameters:output-storage", "s3"))));

        // Assert
        Assert.Equal("AppHost parameter 'output-storage' (Parameters:output-storage) must be one of folder, azurite; got 's3'.", ex.Message);
    }

    [Fact]
    public void FromConfiguration_TopicReplicationFactor_UnsetIsTheClusterDefault_SetIsRead()
    {
        Assert.Null(PipelineSettings.FromConfiguration(Configuration()).TopicReplicationFactor);
        Assert.Equal((short)3, PipelineSettings.FromConfiguration(Configuration(("Parameters:topic-replication-factor", "3"))).TopicReplicationFactor);
    }

    [Fact]
    public void FromConfiguration_AsManyReplicasAsPartitions_IsAccepted()
    {
        // Act
        var settings = PipelineSettings.FromConfiguration(Configuration(
            ("Parameters:topic-partitions", "4"), ("Parameters:processor-replicas", "4")));

        // Assert
        Assert.Equal(4, settings.ProcessorReplicas);
    }

    private static IConfiguration Configuration(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder()
            .AddInMemoryCollection(values.Select(static v => new KeyValuePair<string, string?>(v.Key, v.Value)))
            .Build();
}
