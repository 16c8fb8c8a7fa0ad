using System.Globalization;

namespace Pipeline.KafkaBroker.Storage;

/// <summary>
/// What a partition's log follows: segmenting, retention and syncing. The broker's options give the defaults; a
/// topic's own configs (<c>retention.ms</c>, <c>retention.bytes</c>, <c>segment.bytes</c>, <c>segment.ms</c>, as given to
/// CreateTopics) override them for that topic, as in Kafka.
/// </summary>
internal sealed record LogSettings(int SegmentBytes, TimeSpan SegmentRoll, TimeSpan Retention, long RetentionBytes, bool SyncWrites)
{
    public const string RetentionMsConfig = "retention.ms";
    public const string RetentionBytesConfig = "retention.bytes";
    public const string SegmentBytesConfig = "segment.bytes";
    public const string SegmentMsConfig = "segment.ms";

    public static LogSettings From(KafkaBrokerOptions options) =>
        new(options.SegmentBytes, options.SegmentRoll, options.Retention, options.RetentionBytes, options.SyncWrites);

    /// <summary>The broker's settings with a topic's overrides applied; null and a reason when one is invalid (Kafka: INVALID_CONFIG).</summary>
    public static LogSettings? ForTopic(KafkaBrokerOptions options, IReadOnlyDictionary<string, string?> configs, out string? error)
    {
        var settings = From(options);
        error = null;
        foreach (var (key, value) in configs)
        {
            if (value is null || key is not (RetentionMsConfig or RetentionBytesConfig or SegmentBytesConfig or SegmentMsConfig))
            {
                continue;
            }

            if (!long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number) || !IsValid(key, number))
            {
                error = $"Invalid value {value} for configuration {key}.";
                return null;
            }

            settings = key switch
            {
                RetentionMsConfig => settings with { Retention = TimeSpan.FromMilliseconds(number) },
                RetentionBytesConfig => settings with { RetentionBytes = number },
                SegmentBytesConfig => settings with { SegmentBytes = (int)number },
                _ => settings with { SegmentRoll = TimeSpan.FromMilliseconds(number) },
            };
        }

        return settings;
    }

    /// <summary>Kafka's bounds for each setting (the broker's options follow the same ones).</summary>
    private static bool IsValid(string key, long value) => key switch
    {
        RetentionMsConfig or RetentionBytesConfig => value >= -1,
        SegmentBytesConfig => value is >= KafkaBrokerOptions.MinSegmentBytes and <= int.MaxValue,
        _ => value >= 1,
    };
}
