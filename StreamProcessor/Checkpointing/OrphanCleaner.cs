using Pipeline.StreamProcessor.Storage;

namespace Pipeline.StreamProcessor.Checkpointing;

/// <summary>
/// Removes the traces of a batch whose checkpoint never landed, before a lane resumes a partition:
/// every raw and aggregates object of that topic and partition whose first offset is at or beyond the
/// checkpoint's next offset, every idle-batch aggregates object the checkpoint does not cover, every file a compacted
/// file covers (a compaction that died between its commit and its deletes: <see cref="OutputLayout.Covers"/>), and (in a
/// local folder) every leftover temporary file of that partition, of a batch or a compaction. The replay rewrites them. Objects are recognised only
/// by their exact deterministic names (<see cref="OutputLayout"/>), so other partitions, other topics and foreign
/// objects are never touched. Works through the run's <see cref="IRunStorage"/>, so a folder and a container are
/// cleaned alike: the listing is per id folder, narrowed to the partition's name prefix.
/// </summary>
internal sealed class OrphanCleaner(IRunStorage storage)
{
    private readonly IRunStorage _storage = storage;

    /// <summary>Deletes the orphans of one partition given its checkpoint (<c>null</c>: none was ever saved).</summary>
    public Task<int> DeleteOrphansAsync(string topic, int partition, PartitionCheckpoint? checkpoint, CancellationToken cancellationToken) =>
        DeleteOrphansAsync(topic, partition, checkpoint?.NextOffset ?? 0, checkpoint?.Watermark, cancellationToken);

    /// <summary>
    /// Deletes the orphans of one partition and returns how many objects (and temporary files) were deleted.
    /// Pass <c>0</c> when the partition has no checkpoint: then nothing of it was ever committed.
    /// An idle-batch file at <paramref name="checkpointNextOffset"/> is kept only when its watermark is not
    /// beyond <paramref name="checkpointWatermark"/> (that checkpoint was saved after it).
    /// </summary>
    public async Task<int> DeleteOrphansAsync(
        string topic, int partition, long checkpointNextOffset, DateTime? checkpointWatermark, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(checkpointNextOffset);
        var rule = new OrphanRule(OutputLayout.BatchFilePrefix(topic, partition), checkpointNextOffset, checkpointWatermark);
        int deleted = 0;

        foreach (string folder in await OutputFolders.ListAsync(_storage, cancellationToken))
        {
            deleted += await DeleteInAsync(folder, rule, cancellationToken);
        }

        // A checkpoint save that died before its rename; the checkpoint itself is kept.
        string checkpoint = OutputLayout.CheckpointName(topic, partition);
        deleted += await _storage.DeleteIncompleteAsync(
            OutputLayout.CheckpointsFolder, name => string.Equals(name, checkpoint, StringComparison.Ordinal), cancellationToken);
        return deleted;
    }

    private async Task<int> DeleteInAsync(string folder, OrphanRule rule, CancellationToken cancellationToken)
    {
        // The prefix narrows the listing to this partition's names; the exact name is still checked by parsing. The whole
        // partition is listed (not from the checkpoint's offset on): covered files lie below it.
        var names = new List<string>();
        await foreach (string name in _storage.ListAsync(folder + rule.Prefix, cancellationToken))
        {
            names.Add(name);
        }

        var live = new HashSet<string>(OutputLayout.LiveFiles(names), StringComparer.Ordinal);
        int deleted = 0;
        foreach (string name in names)
        {
            // An orphan: beyond the checkpoint. Covered: a compaction committed a file holding its rows and died
            // before deleting it.
            if ((rule.IsOrphan(ObjectNames.FileName(name)) || !live.Contains(name)) && await _storage.DeleteAsync(name, cancellationToken))
            {
                deleted++;
            }
        }

        // ".part-….parquet.tmp": a file whose batch or compaction never finished, whatever its offset.
        deleted += await _storage.DeleteIncompleteAsync(
            folder, name => OutputLayout.TryParseFileSpan(ObjectNames.FileName(name), rule.Prefix, out _), cancellationToken);
        return deleted;
    }


    private readonly record struct OrphanRule(string Prefix, long NextOffset, DateTime? Watermark)
    {
        public bool IsOrphan(ReadOnlySpan<char> fileName)
        {
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
