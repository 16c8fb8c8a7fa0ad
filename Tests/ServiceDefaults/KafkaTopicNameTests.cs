using Pipeline.AppHost.Topology;
using Pipeline.Producer;
using Pipeline.ServiceDefaults.Kafka;
using Pipeline.StreamProcessor;

namespace Pipeline.Tests.ServiceDefaults;

public sealed class KafkaTopicNameTests
{
    [Theory]
    [InlineData("events")]
    [InlineData("a.b_c-D9")]
    [InlineData("..x")]
    public void Validate_KafkaName_IsValid(string name) => Assert.Null(KafkaTopicName.Validate(name));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData(".")]
    [InlineData("..")]
    [InlineData("has space")]
    [InlineData("slash/")]
    public void Validate_NotAKafkaName_SaysWhy(string? name) =>
        Assert.StartsWith("must be 1-249 characters of [a-zA-Z0-9._-]", KafkaTopicName.Validate(name));

    [Fact]
    public void Validate_AtAndBeyondTheLimit_AcceptsMaxLengthOnly()
    {
        Assert.True(KafkaTopicName.IsValid(new string('t', KafkaTopicName.MaxLength)));
        Assert.False(KafkaTopicName.IsValid(new string('t', KafkaTopicName.MaxLength + 1)));
    }

    [Fact]
    public void ProcessorValidator_TopicWhoseWindowsTopicIsTooLong_FailsOnTheDerivedName()
    {
        // Arrange: 249 characters is a valid topic, but <topic>.windows and <topic>.dlq are not.
        var options = new ProcessorOptions { Topic = new string('t', KafkaTopicName.MaxLength) };

        // Act
        var result = new ProcessorOptionsValidator().Validate(null, options);

        // Assert
        Assert.True(result.Failed);
        Assert.DoesNotContain(result.Failures!, f => f.StartsWith("Pipeline:Processor:Topic", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, f => f.StartsWith("Pipeline:Processor:WindowsTopic must be 1-249", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, f => f.StartsWith("Pipeline:Processor:DeadLetterTopic must be 1-249", StringComparison.Ordinal));
    }

    [Fact]
    public void ProcessorValidator_LongestTopicWhoseDerivedNamesFit_Succeeds()
    {
        // Arrange
        var options = new ProcessorOptions { Topic = new string('t', KafkaTopicName.MaxLength - ProcessorOptions.WindowsSuffix.Length) };

        // Act
        var result = new ProcessorOptionsValidator().Validate(null, options);

        // Assert
        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Fact]
    public void ProducerValidator_TopicBeyondTheLimit_Fails()
    {
        // Arrange
        var options = new ProducerOptions { Topic = new string('t', KafkaTopicName.MaxLength + 1) };

        // Act
        var result = new ProducerOptionsValidator().Validate(null, options);

        // Assert
        Assert.Contains(result.Failures!, f => f.StartsWith("Pipeline:Producer:Topic (KAFKA_TOPIC) must be 1-249", StringComparison.Ordinal));
    }

    [Fact]
    public void AppHostTopology_RestatesTheSameLimitAndSuffixes()
    {
        // Arrange
        var settings = new PipelineSettings { Topic = "t" };

        // Assert
        Assert.Equal(KafkaTopicName.MaxLength, PipelineSettings.MaxTopicLength);
        Assert.Equal("t" + ProcessorOptions.WindowsSuffix, settings.WindowsTopic);
        Assert.Equal("t" + ProcessorOptions.DeadLetterSuffix, settings.DeadLetterTopic);
    }
}
