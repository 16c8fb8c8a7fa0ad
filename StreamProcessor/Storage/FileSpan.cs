namespace Pipeline.StreamProcessor.Storage;

/// <summary>
/// The offsets an output file name stands for: a batch file its first offset (<see cref="Next"/> null), an idle batch's
/// its next offset and <see cref="Watermark"/>, a compacted file the range <c>[First, Next)</c> of the rows it holds.
/// </summary>
public readonly record struct FileSpan(long First, long? Next, DateTime? Watermark)
{
    public bool IsCompacted => Next is not null;
}
