using Microsoft.Extensions.Options;
using Pipeline.StreamProcessor.Storage;

namespace Pipeline.StreamProcessor.Sinks;

/// <summary>
/// Checks <see cref="SinkOptions"/> at start and reports every problem at once, each naming its setting.
/// The output path is checked by really creating it and writing a probe file, so a read-only volume or
/// a path under a regular file fails at start with the operating system's message, not at the first batch.
/// </summary>
internal sealed class SinkOptionsValidator : IValidateOptions<SinkOptions>
{
    private const string Prefix = SinkOptions.SectionName + ":";

    /// <summary>255 bytes per folder name, less the <c>run_</c> prefix.</summary>
    public const int MaxRunIdLength = 255 - 4;

    public ValidateOptionsResult Validate(string? name, SinkOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();

        ValidateRunId(options.RunId, failures);
        if (options.OutputConnectionString is null)
        {
            ValidateOutputPath(options.OutputPath, failures);
        }
        else if (failures.Count == 0)
        {
            ValidateBlobOutput(options, failures);
        }

        if (options.RowGroupSize <= 0)
        {
            failures.Add($"{Prefix}{nameof(SinkOptions.RowGroupSize)} must be greater than 0 (was {options.RowGroupSize}).");
        }

        if (options.MaxBatchRows <= 0)
        {
            failures.Add($"{Prefix}{nameof(SinkOptions.MaxBatchRows)} must be greater than 0 (was {options.MaxBatchRows}).");
        }

        if (options.TriggerInterval <= TimeSpan.Zero)
        {
            failures.Add($"{Prefix}{nameof(SinkOptions.TriggerInterval)} must be greater than 0 (was {options.TriggerInterval}).");
        }

        if (options.CompactionInterval < TimeSpan.Zero)
        {
            failures.Add($"{Prefix}{nameof(SinkOptions.CompactionInterval)} must not be negative (was {options.CompactionInterval}; 0 turns compaction off).");
        }

        if (options.CompactionTargetBytes <= 0)
        {
            failures.Add($"{Prefix}{nameof(SinkOptions.CompactionTargetBytes)} must be greater than 0 (was {options.CompactionTargetBytes}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void ValidateRunId(string? runId, List<string> failures)
    {
        const string Setting = Prefix + nameof(SinkOptions.RunId) + " (" + SinkOptions.RunIdAlias + ")";
        if (string.IsNullOrEmpty(runId))
        {
            failures.Add($"{Setting} must not be empty.");
            return;
        }

        if (!OutputLayout.IsSafeName(runId))
        {
            failures.Add($"{Setting} '{runId}' may contain only letters, digits, '.', '_' and '-' (no path separators).");
            return;
        }

        if (runId is "." or "..")
        {
            failures.Add($"{Setting} must not be '.' or '..'.");
        }

        // run_<RunId> is one folder name, and file systems cap a name at 255 bytes (ASCII here): a longer id
        // passed this check and failed only when the first batch was written, not at start.
        if (runId.Length > MaxRunIdLength)
        {
            failures.Add($"{Setting} is {runId.Length} characters long; the limit is {MaxRunIdLength} (run_<RunId> must fit in one folder name).");
        }
    }

    /// <summary>
    /// The connection string is parsed and the container name checked here; whether the account accepts the
    /// credentials is known only by asking it, which the worker does before it consumes anything
    /// (<see cref="IRunStorage.EnsureReadyAsync"/>). Messages never quote the connection string: it holds the key.
    /// </summary>
    private static void ValidateBlobOutput(SinkOptions options, List<string> failures)
    {
        BlobStorage storage;
        try
        {
            storage = (BlobStorage)RunStorageFactory.Create(options);
        }
        catch (Exception e) when (e is FormatException or ArgumentException or InvalidOperationException)
        {
            failures.Add($"{SinkOptions.OutputConnectionSetting} is not a valid Azure Storage connection string: {e.Message.Split('\n')[0]}");
            return;
        }

        string container = storage.Container.Name;
        if (!IsValidContainerName(container))
        {
            failures.Add(
                $"{Prefix}{nameof(SinkOptions.ContainerName)} (or ContainerName= in {SinkOptions.OutputConnectionSetting}) '{container}' is not " +
                "a blob container name: 3 to 63 lowercase letters, digits and single hyphens, starting and ending with a letter or digit.");
        }
    }

    private static bool IsValidContainerName(string name) =>
        name.Length is >= 3 and <= 63
        && char.IsAsciiLetterOrDigit(name[0]) && char.IsAsciiLetterOrDigit(name[^1])
        && !name.Contains("--", StringComparison.Ordinal)
        && name.All(c => char.IsAsciiDigit(c) || char.IsAsciiLetterLower(c) || c == '-');

    private static void ValidateOutputPath(string? outputPath, List<string> failures)
    {
        const string Setting = Prefix + nameof(SinkOptions.OutputPath) + " (" + SinkOptions.OutputPathAlias + ")";
        if (string.IsNullOrWhiteSpace(outputPath))
        {
            failures.Add($"{Setting} must not be empty.");
            return;
        }

        // A '..' segment makes the output land somewhere other than it reads: refuse it rather than guess.
        foreach (var segment in outputPath.Split(['/', '\\']))
        {
            if (segment == "..")
            {
                failures.Add($"{Setting} '{outputPath}' must not contain '..' segments.");
                return;
            }
        }

        string probe = Path.Combine(outputPath, $".write-probe-{Path.GetRandomFileName()}");
        try
        {
            Directory.CreateDirectory(outputPath);
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            failures.Add($"{Setting} '{outputPath}' is not a writable directory: {e.Message}");
        }
    }
}
