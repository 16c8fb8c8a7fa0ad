using Microsoft.Extensions.Options;

namespace Pipeline.StreamProcessor;

/// <summary>Rules of <see cref="ProcessorOptions"/> beyond annotations; returns every failure at once.</summary>
internal sealed class ProcessorOptionsValidator : IValidateOptions<ProcessorOptions>
{
    public ValidateOptionsResult Validate(string? name, ProcessorOptions options)
    {
        var failures = new List<string>();
        const string Section = ProcessorOptions.SectionName;
        Positive(options.PollTimeout, nameof(options.PollTimeout));
        Positive(options.SinkRetryBackoff, nameof(options.SinkRetryBackoff));
        Positive(options.MaxSinkRetryBackoff, nameof(options.MaxSinkRetryBackoff));
        Positive(options.ProducerFlushTimeout, nameof(options.ProducerFlushTimeout));
        Positive(options.StartupBackoff, nameof(options.StartupBackoff));
        if (options.ResolvedDeadLetterTopic == options.Topic || options.ResolvedWindowsTopic == options.Topic)
        {
            failures.Add($"{Section}:DeadLetterTopic and {Section}:WindowsTopic must differ from {Section}:Topic ('{options.Topic}').");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);

        void Positive(TimeSpan value, string setting)
        {
            if (value <= TimeSpan.Zero)
            {
                failures.Add($"{Section}:{setting} must be positive (was {value}).");
            }
        }
    }
}
