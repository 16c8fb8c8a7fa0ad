namespace Pipeline.StreamProcessor.Sinks;

/// <summary>One Parquet file committed (renamed to its final name) by a batch.</summary>
internal readonly record struct WrittenFile(string Path, long Rows, long Bytes);

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
