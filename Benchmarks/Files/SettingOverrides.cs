using System.Reflection;
using Pipeline.StreamProcessor;
using Pipeline.StreamProcessor.Ingest;
using Pipeline.StreamProcessor.Sinks;
using Pipeline.StreamProcessor.Windowing;

namespace Pipeline.Benchmarks.Files;

/// <summary>
/// Reads <c>--set Key=Value</c>: a full configuration key (<c>Pipeline:Output:TriggerInterval=00:00:10</c>), or a short one
/// naming the options class's section (<c>Sink:</c>, <c>Windowing:</c>, <c>Processor:</c>, <c>Ingest:</c>). A key under one
/// of those sections must name a property of its options class: a setting that does not exist (yet) would otherwise be
/// ignored by the binder, and the run would silently measure the defaults.
/// </summary>
internal static class SettingOverrides
{
    private static readonly (string Short, string Section, Type Options)[] s_sections =
    [
        ("Sink", SinkOptions.SectionName, typeof(SinkOptions)),
        ("Windowing", WindowingOptions.SectionName, typeof(WindowingOptions)),
        ("Processor", ProcessorOptions.SectionName, typeof(ProcessorOptions)),
        ("Ingest", IngestOptions.SectionName, typeof(IngestOptions)),
    ];

    /// <summary>The configuration entries of <paramref name="assignments"/>, or the first error.</summary>
    public static bool TryParse(IEnumerable<string> assignments, out Dictionary<string, string?> settings, out string? error)
    {
        settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        error = null;
        foreach (var assignment in assignments)
        {
            var equals = assignment.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                error = $"--set '{assignment}': expected Key=Value.";
                return false;
            }

            var key = Expand(assignment[..equals].Trim());
            if (Unknown(key) is { } unknown)
            {
                error = $"--set '{assignment}': {unknown}";
                return false;
            }

            settings[key] = assignment[(equals + 1)..];
        }

        return true;
    }

    /// <summary><c>Sink:X</c> → <c>Pipeline:Output:X</c>, and so on; any other key as given.</summary>
    private static string Expand(string key)
    {
        foreach (var (shortName, section, _) in s_sections)
        {
            if (key.StartsWith(shortName + ":", StringComparison.OrdinalIgnoreCase))
            {
                return section + key[shortName.Length..];
            }
        }

        return key;
    }

    /// <summary>Why a key under a known section names no setting; null when it does, or lies in no known section.</summary>
    private static string? Unknown(string key)
    {
        foreach (var (_, section, options) in s_sections)
        {
            if (!key.StartsWith(section + ":", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var property = key[(section.Length + 1)..].Split(':')[0];
            return options.GetProperty(property, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase) is { CanWrite: true }
                ? null
                : $"{options.Name} has no setting '{property}'.";
        }

        return null;
    }
}
