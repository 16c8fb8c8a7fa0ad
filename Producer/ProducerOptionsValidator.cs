using Microsoft.Extensions.Options;
using Pipeline.ServiceDefaults.Kafka;

namespace Pipeline.Producer;

/// <summary>Cross-field rules of <see cref="ProducerOptions"/>; returns every failure at once.</summary>
internal sealed class ProducerOptionsValidator : IValidateOptions<ProducerOptions>
{
    public ValidateOptionsResult Validate(string? name, ProducerOptions options)
    {
        var failures = new List<string>();
        if (!string.IsNullOrEmpty(options.Topic) && KafkaTopicName.Validate(options.Topic) is { } topicProblem)
        {
            failures.Add($"{ProducerOptions.SectionName}:Topic ({ProducerOptions.TopicAlias}) {topicProblem}.");
        }

        if (options.StartupBackoff <= TimeSpan.Zero)
        {
            failures.Add($"{ProducerOptions.SectionName}:StartupBackoff must be positive (was {options.StartupBackoff}).");
        }

        if (options.MaxStartupBackoff < options.StartupBackoff)
        {
            failures.Add($"{ProducerOptions.SectionName}:MaxStartupBackoff must be at least StartupBackoff (was {options.MaxStartupBackoff}).");
        }

        if (options.FlushTimeout <= TimeSpan.Zero)
        {
            failures.Add($"{ProducerOptions.SectionName}:FlushTimeout must be positive (was {options.FlushTimeout}).");
        }

        if (options.ExitWhenDone && options.TotalMessages is null)
        {
            failures.Add($"{ProducerOptions.SectionName}:ExitWhenDone needs TotalMessages.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
