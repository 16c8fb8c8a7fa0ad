using Microsoft.Extensions.Options;

namespace Pipeline.StreamProcessor.Windowing;

/// <summary>Every rule of <see cref="WindowingOptions"/>, all failures at once, each naming its setting.</summary>
internal sealed class WindowingOptionsValidator : IValidateOptions<WindowingOptions>
{
    public ValidateOptionsResult Validate(string? name, WindowingOptions options)
    {
        const string Section = WindowingOptions.SectionName;
        var failures = new List<string>();
        if (options.WindowSize <= TimeSpan.Zero || options.WindowSize > TimeSpan.FromDays(1))
        {
            failures.Add($"{Section}:WindowSize must be greater than zero and at most one day (was {options.WindowSize}).");
        }

        if (options.WatermarkDelay < TimeSpan.Zero)
        {
            failures.Add($"{Section}:WatermarkDelay must not be negative (was {options.WatermarkDelay}).");
        }

        if (options.IdleTimeout <= TimeSpan.Zero)
        {
            failures.Add($"{Section}:IdleTimeout must be greater than zero (was {options.IdleTimeout}).");
        }

        if (options.UpdateInterval <= TimeSpan.Zero)
        {
            failures.Add($"{Section}:UpdateInterval must be greater than zero (was {options.UpdateInterval}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
