using System.Globalization;

namespace Pipeline.StreamProcessor.Storage;

/// <summary>
/// The names of one run's objects, the same in a local folder and in a blob container. Every name is derived from
/// (topic, partition, first offset), so a batch replayed after a crash lands on exactly the same objects. The names
/// are run-relative, as <see cref="IRunStorage"/> takes them; a local run lives in
/// <c>&lt;OutputPath&gt;/run_&lt;RunId&gt;/</c> (<see cref="LocalFileStorage.ForRun"/>), a container's under the
/// prefix <c>run_&lt;RunId&gt;/</c> (<see cref="RunFolderName"/>):
/// <code>
/// events/id=&lt;n&gt;/part-&lt;topic&gt;-p&lt;partition&gt;-o&lt;firstOffset:D20&gt;.parquet
/// aggregates/part-&lt;topic&gt;-p&lt;partition&gt;-o&lt;firstOffset:D20&gt;.parquet
/// aggregates/part-&lt;topic&gt;-p&lt;partition&gt;-o&lt;nextOffset:D20&gt;-w&lt;watermark&gt;.parquet   (idle batches)
/// &lt;either folder&gt;/part-&lt;topic&gt;-p&lt;partition&gt;-o&lt;first:D20&gt;-c&lt;next:D20&gt;.parquet   (compacted, see <see cref="CompactedFileName"/>)
/// _checkpoints/&lt;topic&gt;-p&lt;partition&gt;.json
/// _checkpoints/_run.json   (the run's window settings, written once)
/// </code>
/// Files being written in a local folder carry a leading dot and a <c>.tmp</c> suffix (<see cref="TempPathFor"/>), so
/// <c>*.parquet</c> globs, Spark and Hive never see them.
/// </summary>
public static class OutputLayout
{
    public const string ParquetExtension = ".parquet";
    public const string TempSuffix = ".tmp";
    public const string IdFolderPrefix = "id=";
    public const string RunManifestFileName = "_run.json";
    public const string RunFolderPrefix = "run_";
    public const string EventsFolder = "events/";
    public const string AggregatesFolder = "aggregates/";
    public const string CheckpointsFolder = "_checkpoints/";

    /// <summary><c>_checkpoints/_run.json</c>: the settings the run's windows depend on.</summary>
    public const string RunManifestName = CheckpointsFolder + RunManifestFileName;
    private const int OffsetDigits = 20;
    private const string WatermarkMarker = "-w";
    private const string CompactedMarker = "-c";
    private const string WatermarkFormat = "yyyyMMdd'T'HHmmssfffffff'Z'";
    private const int WatermarkFormatLength = 23;

    /// <summary><c>run_&lt;RunId&gt;</c>: the run's folder under the output path, or its prefix in a container.</summary>
    public static string RunFolderName(string runId) => RunFolderPrefix + runId;

    /// <summary><c>events/id=&lt;n&gt;/</c>: the folder of one id's raw files.</summary>
    public static string IdFolder(int id) =>
        EventsFolder + IdFolderPrefix + id.ToString(CultureInfo.InvariantCulture) + "/";

    /// <summary>The id of an <see cref="IdFolder"/> (<c>events/id=3/</c>), or <c>null</c> for any other folder.</summary>
    public static int? ParseIdFolder(string folder)
    {
        if (!folder.StartsWith(EventsFolder + IdFolderPrefix, StringComparison.Ordinal) || !folder.EndsWith('/'))
        {
            return null;
        }

        var digits = folder.AsSpan((EventsFolder + IdFolderPrefix).Length..^1);
        return int.TryParse(digits, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int id)
            && IdFolder(id).Length == folder.Length ? id : null;
    }

    public static string RawFileName(string topic, int partition, long firstOffset, int id) =>
        IdFolder(id) + BatchFileName(topic, partition, firstOffset);

    public static string AggregateFileName(string topic, int partition, long firstOffset) =>
        AggregatesFolder + BatchFileName(topic, partition, firstOffset);

    public static string IdleAggregateFileName(string topic, int partition, long nextOffset, DateTime watermark) =>
        AggregatesFolder + IdleBatchFileName(topic, partition, nextOffset, watermark);

    /// <summary>
    /// <c>_checkpoints/&lt;topic&gt;-p&lt;partition&gt;.json</c>. The run manifest (<see cref="RunManifestName"/>)
    /// can never take such a name: a checkpoint's always ends in <c>-p&lt;partition&gt;.json</c>.
    /// </summary>
    public static string CheckpointName(string topic, int partition) =>
        $"{CheckpointsFolder}{SanitizeTopic(topic)}-p{partition.ToString(CultureInfo.InvariantCulture)}.json";

    /// <summary><c>part-&lt;topic&gt;-p&lt;partition&gt;-o&lt;firstOffset:D20&gt;.parquet</c>.</summary>
    public static string BatchFileName(string topic, int partition, long firstOffset)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(firstOffset);
        return BatchFilePrefix(topic, partition) + FormatOffset(firstOffset) + ParquetExtension;
    }

    /// <summary>
    /// <c>part-&lt;topic&gt;-p&lt;partition&gt;-o&lt;nextOffset:D20&gt;-w&lt;watermark&gt;.parquet</c>: the aggregates
    /// of an idle batch, one that consumed no offset (<c>[nextOffset, nextOffset)</c>) but closed windows because
    /// the watermark advanced with the clock. Its own name keeps it apart from the batch that will later start at
    /// the same offset, and the watermark (which only moves forward) tells orphan cleanup whether its checkpoint
    /// landed. The watermark is written as <c>yyyyMMddTHHmmssfffffffZ</c> (UTC, exact to the tick).
    /// </summary>
    public static string IdleBatchFileName(string topic, int partition, long nextOffset, DateTime watermark)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(nextOffset);
        if (watermark.Kind != DateTimeKind.Utc)
        {
            throw new ArgumentException("The watermark must be UTC.", nameof(watermark));
        }

        return BatchFilePrefix(topic, partition) + FormatOffset(nextOffset) + WatermarkMarker
            + watermark.ToString(WatermarkFormat, CultureInfo.InvariantCulture) + ParquetExtension;
    }

    /// <summary>The part of every batch file name of one partition before its offset: <c>part-&lt;topic&gt;-p&lt;partition&gt;-o</c>.</summary>
    public static string BatchFilePrefix(string topic, int partition)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(partition);
        return $"part-{SanitizeTopic(topic)}-p{partition.ToString(CultureInfo.InvariantCulture)}-o";
    }

    /// <summary>
    /// Reads a batch file name of the partition whose <paramref name="prefix"/> (<see cref="BatchFilePrefix"/>)
    /// is given: its offset and, for an idle batch (<see cref="IdleBatchFileName"/>), its watermark. The offset
    /// must be exactly 20 digits, so names of other partitions (<c>-p1-o</c> vs <c>-p12-o</c>) and foreign
    /// files never match.
    /// </summary>
    public static bool TryParseBatchFileName(
        ReadOnlySpan<char> fileName, ReadOnlySpan<char> prefix, out long offset, out DateTime? watermark)
    {
        offset = 0;
        watermark = null;
        if (!fileName.StartsWith(prefix, StringComparison.Ordinal)
            || !fileName.EndsWith(ParquetExtension, StringComparison.Ordinal))
        {
            return false;
        }

        ReadOnlySpan<char> rest = fileName[prefix.Length..^ParquetExtension.Length];
        if (rest.Length < OffsetDigits || !TryParseOffset(rest[..OffsetDigits], out long parsedOffset))
        {
            return false;
        }

        ReadOnlySpan<char> suffix = rest[OffsetDigits..];
        if (suffix.IsEmpty)
        {
            offset = parsedOffset;
            return true;
        }

        if (suffix.Length != WatermarkMarker.Length + WatermarkFormatLength
            || !suffix.StartsWith(WatermarkMarker, StringComparison.Ordinal)
            || !DateTime.TryParseExact(
                suffix[WatermarkMarker.Length..],
                WatermarkFormat,
                CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal,
                out DateTime parsedWatermark))
        {
            return false;
        }

        offset = parsedOffset;
        watermark = parsedWatermark;
        return true;
    }

    /// <summary>
    /// <c>part-&lt;topic&gt;-p&lt;partition&gt;-o&lt;first:D20&gt;-c&lt;next:D20&gt;.parquet</c>: a compacted file of one
    /// stream (one partition's files in one <c>events/id=&lt;n&gt;/</c> folder, or in <c>aggregates/</c>). It holds every row
    /// of the stream's committed files whose offset lies in <c>[first, next)</c>, in offset order, and so covers them
    /// (<see cref="Covers"/>): once it exists, they are redundant whether or not they have been deleted yet.
    /// </summary>
    public static string CompactedFileName(string topic, int partition, long first, long next)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(first);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(next, first);
        return BatchFilePrefix(topic, partition) + FormatOffset(first) + CompactedMarker + FormatOffset(next) + ParquetExtension;
    }

    /// <summary>
    /// Reads any output file name of the partition whose <paramref name="prefix"/> (<see cref="BatchFilePrefix"/>) is
    /// given: a batch file, an idle batch's or a compacted one, as the offsets it stands for (<see cref="FileSpan"/>).
    /// </summary>
    public static bool TryParseFileSpan(ReadOnlySpan<char> fileName, ReadOnlySpan<char> prefix, out FileSpan span)
    {
        span = default;
        if (TryParseBatchFileName(fileName, prefix, out long offset, out DateTime? watermark))
        {
            span = new FileSpan(offset, Next: null, watermark);
            return true;
        }

        if (!fileName.StartsWith(prefix, StringComparison.Ordinal)
            || !fileName.EndsWith(ParquetExtension, StringComparison.Ordinal))
        {
            return false;
        }

        ReadOnlySpan<char> rest = fileName[prefix.Length..^ParquetExtension.Length];
        if (rest.Length != OffsetDigits + CompactedMarker.Length + OffsetDigits
            || !rest[OffsetDigits..].StartsWith(CompactedMarker, StringComparison.Ordinal)
            || !TryParseOffset(rest[..OffsetDigits], out long first)
            || !TryParseOffset(rest[(OffsetDigits + CompactedMarker.Length)..], out long next)
            || next <= first)
        {
            return false;
        }

        span = new FileSpan(first, next, Watermark: null);
        return true;
    }

    /// <summary>
    /// Splits an output file name (no folder) into its partition's prefix (<see cref="BatchFilePrefix"/>, up to and
    /// including <c>-o</c>) and its <see cref="FileSpan"/>; false for any other name. For readers that meet the files of
    /// every partition at once.
    /// </summary>
    public static bool TryParseAnyFileSpan(string fileName, out string prefix, out FileSpan span)
    {
        prefix = "";
        span = default;
        // The offset digits follow the last "-o" that is followed by 20 digits: topics may themselves hold "-o".
        for (int at = fileName.LastIndexOf("-o", StringComparison.Ordinal); at > 0; at = fileName.LastIndexOf("-o", at - 1, StringComparison.Ordinal))
        {
            string candidate = fileName[..(at + 2)];
            if (candidate.StartsWith("part-", StringComparison.Ordinal) && TryParseFileSpan(fileName, candidate, out span))
            {
                prefix = candidate;
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The covered rule, the one place it lives: whether <paramref name="cover"/>, a compacted file of the same stream
    /// and partition, holds every row of <paramref name="file"/>. A batch or idle batch file at offset <c>o</c> is covered
    /// by <c>[a, b)</c> when <c>a &lt;= o &lt; b</c>; a compacted <c>[a1, b1)</c> by a different <c>[a2, b2)</c> with
    /// <c>a2 &lt;= a1</c> and <c>b1 &lt;= b2</c>. The partition's live set is its files less the covered ones: exact even
    /// when a compaction committed its file and died before deleting its inputs.
    /// </summary>
    public static bool Covers(FileSpan cover, FileSpan file)
    {
        if (cover.Next is not { } end)
        {
            return false;
        }

        return file.Next is { } fileEnd
            ? cover.First <= file.First && fileEnd <= end && cover != file
            : cover.First <= file.First && file.First < end;
    }

    /// <summary>
    /// The names among <paramref name="names"/> (output files of one folder; other names pass through untouched) that no
    /// other file of the same partition covers (<see cref="Covers"/>): what a reader must read to see each row once.
    /// </summary>
    public static List<string> LiveFiles(IEnumerable<string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        var parsed = new List<(string Name, string? Prefix, FileSpan Span)>();
        var compacted = new Dictionary<string, List<FileSpan>>(StringComparer.Ordinal);
        foreach (string name in names)
        {
            string fileName = ObjectNames.FileName(name).ToString();
            string folder = name[..(name.Length - fileName.Length)];
            if (!TryParseAnyFileSpan(fileName, out string prefix, out FileSpan span))
            {
                parsed.Add((name, null, default));
                continue;
            }

            string stream = folder + prefix;
            parsed.Add((name, stream, span));
            if (span.IsCompacted)
            {
                if (!compacted.TryGetValue(stream, out var spans))
                {
                    compacted[stream] = spans = [];
                }

                spans.Add(span);
            }
        }

        var live = new List<string>(parsed.Count);
        foreach (var (name, stream, span) in parsed)
        {
            if (stream is null || !compacted.TryGetValue(stream, out var covers) || !covers.Exists(cover => Covers(cover, span)))
            {
                live.Add(name);
            }
        }

        return live;
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

    /// <summary>An offset as batch file names write it: 20 digits, zero-padded, so names sort by offset.</summary>
    public static string FormatOffset(long offset) => offset.ToString("D20", CultureInfo.InvariantCulture);

    private static bool TryParseOffset(ReadOnlySpan<char> digits, out long offset)
    {
        offset = 0;
        foreach (char c in digits)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out offset);
    }
}
