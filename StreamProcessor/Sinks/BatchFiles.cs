using Pipeline.StreamProcessor.Storage;

namespace Pipeline.StreamProcessor.Sinks;

/// <summary>
/// One Parquet file a batch wrote: where it is (<paramref name="Path"/>: a path or blob URI, for messages), its name in the
/// run, and the version that is the writer's own (null in a local folder), to delete exactly it if the batch is abandoned.
/// </summary>
internal readonly record struct WrittenFile(string Path, long Rows, long Bytes, string Name, ObjectVersion? Version);

/// <summary>
/// The files one batch committed: one raw file per id (ordered by id) and at most one aggregates file
/// (none when no window closed).
/// </summary>
internal sealed record BatchFiles(IReadOnlyList<WrittenFile> RawFiles, WrittenFile? AggregateFile)
{
    public static BatchFiles Empty { get; } = new([], null);

    public int FileCount => RawFiles.Count + (AggregateFile is null ? 0 : 1);

    public long RawRows
    {
        get
        {
            long rows = 0;
            foreach (WrittenFile file in RawFiles)
            {
                rows += file.Rows;
            }

            return rows;
        }
    }

    public long AggregateRows => AggregateFile?.Rows ?? 0;

    /// <summary>The raw files, then the aggregates file.</summary>
    public IEnumerable<WrittenFile> All => AggregateFile is { } aggregates ? [.. RawFiles, aggregates] : RawFiles;

    public long Bytes
    {
        get
        {
            long bytes = AggregateFile?.Bytes ?? 0;
            foreach (WrittenFile file in RawFiles)
            {
                bytes += file.Bytes;
            }

            return bytes;
        }
    }
}
