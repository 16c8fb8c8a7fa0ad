using Microsoft.Extensions.Options;
using Pipeline.ServiceDefaults.Kafka;

namespace Pipeline.StreamProcessor;

/// <summary>Rules of <see cref="ProcessorOptions"/> beyond annotations; returns every failure at once.</summary>
internal sealed class ProcessorOptionsValidator : IValidateOptions<ProcessorOptions>
{
    public ValidateOptionsResult Validate(string? name, ProcessorOptions options)
    {
        var failures = new List<string>();
        const string Section = ProcessorOptions.SectionName;
        if (!string.IsNullOrEmpty(options.Topic))
        {
            // The derived topics are checked as derived: a long Topic fails here, not at the first closed window.
            TopicName(options.Topic, $"{nameof(options.Topic)} ({ProcessorOptions.TopicAlias})");
            if (options.PublishesWindows)
            {
                TopicName(options.ResolvedWindowsTopic, nameof(options.WindowsTopic));
            }

            if (options.PublishesDeadLetters)
            {
                TopicName(options.ResolvedDeadLetterTopic, nameof(options.DeadLetterTopic));
            }
        }

        Positive(options.PollTimeout, nameof(options.PollTimeout));
        Positive(options.SinkRetryBackoff, nameof(options.SinkRetryBackoff));
        Positive(options.MaxSinkRetryBackoff, nameof(options.MaxSinkRetryBackoff));
        Positive(options.ProducerFlushTimeout, nameof(options.ProducerFlushTimeout));
        Positive(options.StartupBackoff, nameof(options.StartupBackoff));
        Positive(options.PartitionProbeInterval, nameof(options.PartitionProbeInterval));
        Positive(options.PartitionProbeTimeout, nameof(options.PartitionProbeTimeout));
        if (options.PartitionConfirmationMaxAge < options.PartitionProbeInterval)
        {
            // A shorter bound would let every answer expire before the next probe: no partition would ever be idle.
            failures.Add($"{Section}:{nameof(options.PartitionConfirmationMaxAge)} must be at least {Section}:{nameof(options.PartitionProbeInterval)} " +
                $"(was {options.PartitionConfirmationMaxAge}, interval {options.PartitionProbeInterval}).");
        }
        if (options.CommitLogInterval < TimeSpan.Zero)
        {
            failures.Add($"{Section}:{nameof(options.CommitLogInterval)} must be zero (every commit) or more (was {options.CommitLogInterval}).");
        }

        if (options.MaxMessageSpansPerSecond < 0)
        {
            failures.Add($"{Section}:{nameof(options.MaxMessageSpansPerSecond)} must be 0 (no per-message spans) or more (was {options.MaxMessageSpansPerSecond}).");
        }

        if (options.TopicReplicationFactor is < 1)
        {
            failures.Add($"{Section}:{nameof(options.TopicReplicationFactor)} must be at least 1, or unset for the cluster's default (was {options.TopicReplicationFactor}).");
        }

        if (options.ResolvedDeadLetterTopic == options.Topic || options.ResolvedWindowsTopic == options.Topic)
        {
            failures.Add($"{Section}:DeadLetterTopic and {Section}:WindowsTopic must differ from {Section}:Topic ('{options.Topic}').");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);

        void TopicName(string topic, string setting)
        {
            if (KafkaTopicName.Validate(topic) is { } problem)
            {
                failures.Add($"{Section}:{setting} {problem}.");
            }
        }

        void Positive(TimeSpan value, string setting)
        {
            if (value <= TimeSpan.Zero)
            {
                failures.Add($"{Section}:{setting} must be positive (was {value}).");
            }
        }
    }
}
