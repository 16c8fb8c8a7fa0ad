using System.Globalization;

namespace Pipeline.StreamProcessor.Sinks;

/// <summary>
/// The on-disk contract of one run. Every name is derived from (topic, partition, first offset), so a batch
/// replayed after a crash lands on exactly the same files:
/// <code>
/// &lt;OutputPath&gt;/run_&lt;RunId&gt;/events/id=&lt;n&gt;/part-&lt;topic&gt;-p&lt;partition&gt;-o&lt;firstOffset:D20&gt;.parquet
/// &lt;OutputPath&gt;/run_&lt;RunId&gt;/aggregates/part-&lt;topic&gt;-p&lt;partition&gt;-o&lt;firstOffset:D20&gt;.parquet
/// &lt;OutputPath&gt;/run_&lt;RunId&gt;/_checkpoints/&lt;topic&gt;-p&lt;partition&gt;.json
/// </code>
/// Files being written carry a leading dot and a <c>.tmp</c> suffix (<see cref="TempPathFor"/>), so
/// <c>*.parquet</c> globs, Spark and Hive never see them.
/// </summary>
internal sealed class OutputLayout
{
    public const string ParquetExtension = ".parquet";
    public const string TempSuffix = ".tmp";
    public const string IdFolderPrefix = "id=";
    private const int OffsetDigits = 20;

    public OutputLayout(string outputPath, string runId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(outputPath);
        ArgumentException.ThrowIfNullOrEmpty(runId);
        if (!IsSafeName(runId) || runId is "." or "..")
        {
            throw new ArgumentException($"Run id '{runId}' may contain only letters, digits, '.', '_' and '-'.", nameof(runId));
        }

        // Resolved once, so a later change of the working directory cannot move the output.
        RunDirectory = Path.GetFullPath(Path.Combine(outputPath, "run_" + runId));
        EventsDirectory = Path.Combine(RunDirectory, "events");
        AggregatesDirectory = Path.Combine(RunDirectory, "aggregates");
        CheckpointsDirectory = Path.Combine(RunDirectory, "_checkpoints");
    }

    public OutputLayout(SinkOptions options)
        : this(options?.OutputPath!, options?.RunId!)
    {
    }

    public string RunDirectory { get; }

    public string EventsDirectory { get; }

    public string AggregatesDirectory { get; }

    public string CheckpointsDirectory { get; }

    public string IdDirectory(int id) =>
        Path.Combine(EventsDirectory, IdFolderPrefix + id.ToString(CultureInfo.InvariantCulture));

    public string RawFilePath(string topic, int partition, long firstOffset, int id) =>
        Path.Combine(IdDirectory(id), BatchFileName(topic, partition, firstOffset));

    public string AggregateFilePath(string topic, int partition, long firstOffset) =>
        Path.Combine(AggregatesDirectory, BatchFileName(topic, partition, firstOffset));

    public string CheckpointFilePath(string topic, int partition) =>
        Path.Combine(CheckpointsDirectory, $"{SanitizeTopic(topic)}-p{partition.ToString(CultureInfo.InvariantCulture)}.json");

    /// <summary><c>part-&lt;topic&gt;-p&lt;partition&gt;-o&lt;firstOffset:D20&gt;.parquet</c>.</summary>
    public static string BatchFileName(string topic, int partition, long firstOffset)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(firstOffset);
        return BatchFilePrefix(topic, partition) + firstOffset.ToString("D20", CultureInfo.InvariantCulture) + ParquetExtension;
    }

    /// <summary>The part of every batch file name of one partition before its offset: <c>part-&lt;topic&gt;-p&lt;partition&gt;-o</c>.</summary>
    public static string BatchFilePrefix(string topic, int partition)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(partition);
        return $"part-{SanitizeTopic(topic)}-p{partition.ToString(CultureInfo.InvariantCulture)}-o";
    }

    /// <summary>
    /// Reads the first offset back from a batch file name of the partition whose <paramref name="prefix"/>
    /// (<see cref="BatchFilePrefix"/>) is given. The offset must be exactly 20 digits, so names of other
    /// partitions (<c>-p1-o</c> vs <c>-p12-o</c>) and foreign files never match.
    /// </summary>
    public static bool TryParseFirstOffset(ReadOnlySpan<char> fileName, ReadOnlySpan<char> prefix, out long firstOffset)
    {
        firstOffset = 0;
        if (fileName.Length != prefix.Length + OffsetDigits + ParquetExtension.Length
            || !fileName.StartsWith(prefix, StringComparison.Ordinal)
            || !fileName.EndsWith(ParquetExtension, StringComparison.Ordinal))
        {
            return false;
        }

        ReadOnlySpan<char> digits = fileName.Slice(prefix.Length, OffsetDigits);
        foreach (char c in digits)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out firstOffset);
    }

    /// <summary>The temporary name a file is written under before its atomic rename: <c>.&lt;name&gt;.tmp</c>, same folder.</summary>
    public static string TempPathFor(string finalPath)
    {
        string directory = Path.GetDirectoryName(finalPath) ?? throw new ArgumentException($"'{finalPath}' has no directory.", nameof(finalPath));
        return Path.Combine(directory, "." + Path.GetFileName(finalPath) + TempSuffix);
    }

    /// <summary>
    /// Kafka topic names are already limited to <c>[A-Za-z0-9._-]</c>; anything else is replaced by
    /// <c>_</c> so a name can never form a path.
    /// </summary>
    public static string SanitizeTopic(string topic)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        if (IsSafeName(topic))
        {
            return topic;
        }

        return string.Create(topic.Length, topic, static (span, source) =>
        {
            for (int i = 0; i < source.Length; i++)
            {
                span[i] = IsSafeChar(source[i]) ? source[i] : '_';
            }
        });
    }

    public static bool IsSafeName(ReadOnlySpan<char> name)
    {
        foreach (char c in name)
        {
            if (!IsSafeChar(c))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsSafeChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-';
}
