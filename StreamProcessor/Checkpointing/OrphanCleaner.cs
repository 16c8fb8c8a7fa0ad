using Microsoft.Extensions.Options;
using Pipeline.StreamProcessor.Sinks;

namespace Pipeline.StreamProcessor.Checkpointing;

/// <summary>
/// Removes the traces of a batch whose checkpoint never landed, before a lane resumes a partition:
/// every raw and aggregates file of that topic and partition whose first offset is at or beyond the
/// checkpoint's next offset, and every leftover temporary file of that partition. The replay rewrites them.
/// Files are recognised only by their exact deterministic names (<see cref="OutputLayout"/>), so other
/// partitions, other topics and foreign files are never touched.
/// </summary>
internal sealed class OrphanCleaner(IOptions<SinkOptions> options)
{
    private readonly OutputLayout _layout = new(options.Value);

    /// <summary>
    /// Deletes the orphans of one partition and returns how many files were deleted.
    /// Pass <c>0</c> when the partition has no checkpoint: then nothing of it was ever committed.
    /// </summary>
    public int DeleteOrphans(string topic, int partition, long checkpointNextOffset)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(checkpointNextOffset);
        string prefix = OutputLayout.BatchFilePrefix(topic, partition);
        int deleted = 0;

        if (Directory.Exists(_layout.EventsDirectory))
        {
            foreach (string idDirectory in Directory.EnumerateDirectories(_layout.EventsDirectory, OutputLayout.IdFolderPrefix + "*"))
            {
                deleted += DeleteIn(idDirectory, prefix, checkpointNextOffset);
            }
        }

        deleted += DeleteIn(_layout.AggregatesDirectory, prefix, checkpointNextOffset);

        // A checkpoint save that died before its rename; the checkpoint itself is kept.
        string checkpointTemp = OutputLayout.TempPathFor(_layout.CheckpointFilePath(topic, partition));
        if (File.Exists(checkpointTemp))
        {
            File.Delete(checkpointTemp);
            deleted++;
        }

        return deleted;
    }

    private static int DeleteIn(string directory, string prefix, long nextOffset)
    {
        if (!Directory.Exists(directory))
        {
            return 0;
        }

        int deleted = 0;
        // The glob only narrows the listing; the exact name is checked by parsing below.
        foreach (string path in Directory.EnumerateFiles(directory, "*" + prefix + "*"))
        {
            if (IsOrphan(Path.GetFileName(path.AsSpan()), prefix, nextOffset))
            {
                File.Delete(path);
                deleted++;
            }
        }

        return deleted;
    }

    private static bool IsOrphan(ReadOnlySpan<char> fileName, string prefix, long nextOffset)
    {
        // ".part-…-o<offset>.parquet.tmp": a file whose batch never finished, whatever its offset.
        if (fileName.StartsWith('.') && fileName.EndsWith(OutputLayout.TempSuffix, StringComparison.Ordinal))
        {
            return OutputLayout.TryParseFirstOffset(fileName[1..^OutputLayout.TempSuffix.Length], prefix, out _);
        }

        return OutputLayout.TryParseFirstOffset(fileName, prefix, out long firstOffset) && firstOffset >= nextOffset;
    }
}
