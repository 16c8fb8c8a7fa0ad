using Pipeline.StreamProcessor;

namespace Pipeline.Tests.Configuration;

/// <summary>The output-topic settings of <see cref="ProcessorOptions"/>: <c>none</c> turns an output off; replication is the cluster's unless set.</summary>
public sealed class ProcessorOutputTopicsOptionsTests
{
    [Theory]
    [InlineData("none")]
    [InlineData("NONE")]
    [InlineData(" None ")]
    public void Off_AnyCase_TurnsTheOutputOffAndPassesValidation(string off)
    {
        // Arrange
        var options = new ProcessorOptions { WindowsTopic = off, DeadLetterTopic = off };

        // Act
        var result = new ProcessorOptionsValidator().Validate(null, options);

        // Assert
        Assert.False(options.PublishesWindows);
        Assert.False(options.PublishesDeadLetters);
        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Fact]
    public void Defaults_PublishBothOutputs_CreateMissingTopics_WithTheClustersReplication()
    {
        var options = new ProcessorOptions();

        Assert.True(options.PublishesWindows);
        Assert.True(options.PublishesDeadLetters);
        Assert.True(options.CreateTopics);
        Assert.Null(options.TopicReplicationFactor);
        Assert.Equal("events.windows", options.ResolvedWindowsTopic);
    }

    [Fact]
    public void TopicReplicationFactor_BelowOne_FailsNamingTheSetting()
    {
        var result = new ProcessorOptionsValidator().Validate(null, new ProcessorOptions { TopicReplicationFactor = 0 });

        Assert.True(result.Failed);
        Assert.Contains("Pipeline:Processor:TopicReplicationFactor must be at least 1", result.FailureMessage, StringComparison.Ordinal);
    }
}
