using Pipeline.StreamProcessor.Sinks;

namespace Pipeline.StreamProcessor.Checkpointing;

/// <summary>
/// Removes the traces of a batch whose checkpoint never landed, before a lane resumes a partition:
/// every raw and aggregates file of that topic and partition whose first offset is at or beyond the
/// checkpoint's next offset, every idle-batch aggregates file the checkpoint does not cover, and every
/// leftover temporary file of that partition. The replay rewrites them. Files are recognised only by their
/// exact deterministic names (<see cref="OutputLayout"/>), so other partitions, other topics and foreign
/// files are never touched.
/// </summary>
internal sealed class OrphanCleaner(OutputLayout layout)
{
    private readonly OutputLayout _layout = layout;

    /// <summary>Deletes the orphans of one partition given its checkpoint (<c>null</c>: none was ever saved).</summary>
    public int DeleteOrphans(string topic, int partition, PartitionCheckpoint? checkpoint) =>
        DeleteOrphans(topic, partition, checkpoint?.NextOffset ?? 0, checkpoint?.Watermark);

    /// <summary>
    /// Deletes the orphans of one partition and returns how many files were deleted.
    /// Pass <c>0</c> when the partition has no checkpoint: then nothing of it was ever committed.
    /// An idle-batch file at <paramref name="checkpointNextOffset"/> is kept only when its watermark is not
    /// beyond <paramref name="checkpointWatermark"/> (that checkpoint was saved after it).
    /// </summary>
    public int DeleteOrphans(string topic, int partition, long checkpointNextOffset, DateTime? checkpointWatermark = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(checkpointNextOffset);
        var rule = new OrphanRule(OutputLayout.BatchFilePrefix(topic, partition), checkpointNextOffset, checkpointWatermark);
        int deleted = 0;

        if (Directory.Exists(_layout.EventsDirectory))
        {
            foreach (string idDirectory in Directory.EnumerateDirectories(_layout.EventsDirectory, OutputLayout.IdFolderPrefix + "*"))
            {
                deleted += DeleteIn(idDirectory, rule);
            }
        }

        deleted += DeleteIn(_layout.AggregatesDirectory, rule);

        // A checkpoint save that died before its rename; the checkpoint itself is kept.
        string checkpointTemp = OutputLayout.TempPathFor(_layout.CheckpointFilePath(topic, partition));
        if (File.Exists(checkpointTemp))
        {
            File.Delete(checkpointTemp);
            deleted++;
        }

        return deleted;
    }

    private static int DeleteIn(string directory, OrphanRule rule)
    {
        if (!Directory.Exists(directory))
        {
            return 0;
        }

        int deleted = 0;
        // The glob only narrows the listing; the exact name is checked by parsing.
        foreach (string path in Directory.EnumerateFiles(directory, "*" + rule.Prefix + "*"))
        {
            if (rule.IsOrphan(Path.GetFileName(path.AsSpan())))
            {
                File.Delete(path);
                deleted++;
            }
        }

        return deleted;
    }

    private readonly record struct OrphanRule(string Prefix, long NextOffset, DateTime? Watermark)
    {
        public bool IsOrphan(ReadOnlySpan<char> fileName)
        {
            // ".part-….parquet.tmp": a file whose batch never finished, whatever its offset.
            if (fileName.StartsWith('.') && fileName.EndsWith(OutputLayout.TempSuffix, StringComparison.Ordinal))
            {
                return OutputLayout.TryParseBatchFileName(fileName[1..^OutputLayout.TempSuffix.Length], Prefix, out _, out _);
            }

            if (!OutputLayout.TryParseBatchFileName(fileName, Prefix, out long offset, out DateTime? fileWatermark))
            {
                return false;
            }

            if (fileWatermark is not { } idleWatermark)
            {
                return offset >= NextOffset;
            }

            // An idle batch [offset, offset): committed once the checkpoint moved past its offset, or stands at
            // its offset with a watermark at least as far (watermarks never move back).
            return offset > NextOffset || (offset == NextOffset && (Watermark is not { } saved || idleWatermark > saved));
        }
    }
}
