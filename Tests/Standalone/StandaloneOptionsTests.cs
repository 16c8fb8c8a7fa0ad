using Pipeline.AppHost.Topology;
using Pipeline.Standalone;

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
}
