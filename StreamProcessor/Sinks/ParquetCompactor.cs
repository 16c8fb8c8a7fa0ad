using Microsoft.Extensions.Options;
using Parquet;
using Parquet.Schema;
using Pipeline.StreamProcessor.Checkpointing;
using Pipeline.StreamProcessor.Storage;

namespace Pipeline.StreamProcessor.Sinks;

/// <summary>
/// Merges a partition's small committed files, stream by stream (one <c>events/id=&lt;n&gt;/</c> folder's files of the
/// partition, or its files in <c>aggregates/</c>), into one compacted file each
/// (<see cref="OutputLayout.CompactedFileName"/>), for the lane that owns the partition:
/// <list type="number">
/// <item>below the <c>boundary</c> (the lane's last saved checkpoint's next offset) every file is committed and immutable;
/// the inputs are the stream's live files (<see cref="OutputLayout.LiveFiles"/>) there, the trailing run of those below
/// <see cref="SinkOptions.CompactionTargetBytes"/> (a file at or above it is final, never rewritten) that stops at a file
/// more than <see cref="SizeRatio"/> times the newer ones together; fewer than two: nothing to do;</item>
/// <item>the merged file <c>[first input, boundary)</c> is written through the run's storage, invisible until committed,
/// a row group at a time (memory holds one row group, not a file), and committed only once the partition is confirmed
/// to be still the lane's (<see cref="PartitionOwnership.ConfirmAsync"/>);</item>
/// <item>then the inputs, now covered, are deleted. A crash in between leaves them covered: readers of the live set see
/// each row once, and the next assignment's clean-up deletes them.</item>
/// </list>
/// Stateless apart from its settings: lanes of different partitions may call it concurrently.
/// </summary>
internal sealed class ParquetCompactor(IRunStorage storage, IOptions<SinkOptions> options)
{
    /// <summary>
    /// How much larger than the newer files merged with it an older file may be and still be merged (RocksDB's universal
    /// compaction calls this its size ratio). Without it, a stream's growing compacted file was rewritten whole every
    /// interval: a day at 5 events/s wrote 7.9 GB to keep 0.1 GB. With it, a file is rewritten only once the newer files
    /// add up to half its size, so each rewrite grows it at least 1.5 times and a row is rewritten a bounded number of
    /// times (at most log base 1.5 of the target over one trigger's file) before its file is final; the price is a few
    /// files per stream of decreasing sizes instead of one.
    /// </summary>
    internal const int SizeRatio = 2;

    private readonly IRunStorage _storage = storage;
    private readonly int _rowGroupSize = options.Value.RowGroupSize;
    private readonly long _targetBytes = options.Value.CompactionTargetBytes;

    /// <summary>
    /// Compacts every stream of <paramref name="ownership"/>'s partition below <paramref name="boundary"/> and returns what
    /// it merged. Cancelling stops a merge before its commit (nothing visible); the deletes after a commit always run.
    /// </summary>
    /// <exception cref="CheckpointConflictException">Another owner has the partition: nothing more was committed.</exception>
    public async Task<CompactionResult> CompactAsync(PartitionOwnership ownership, long boundary, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ownership);
        ArgumentOutOfRangeException.ThrowIfNegative(boundary);
        string prefix = OutputLayout.BatchFilePrefix(ownership.Topic, ownership.Partition);
        var streams = new List<CompactedStream>();
        foreach (string folder in await OutputFolders.ListAsync(_storage, cancellationToken))
        {
            var inputs = await InputsAsync(folder, prefix, boundary, cancellationToken);
            if (inputs.Count < 2)
            {
                continue;
            }

            streams.Add(await CompactStreamAsync(folder, inputs, boundary, ownership, cancellationToken));
        }

        return new CompactionResult(streams);
    }

    /// <summary>
    /// The stream's inputs, in offset order: its live files wholly below <paramref name="boundary"/> (an idle batch's file
    /// at the boundary waits for a later round: its checkpoint may be the one in flight), the trailing run of those below
    /// the target size.
    /// </summary>
    private async Task<List<string>> InputsAsync(string folder, string prefix, long boundary, CancellationToken cancellationToken)
    {
        var names = new List<string>();
        await foreach (string name in _storage.ListAsync(folder + prefix, cancellationToken))
        {
            names.Add(name);
        }

        var below = new List<string>();
        foreach (string name in OutputLayout.LiveFiles(names))
        {
            if (OutputLayout.TryParseFileSpan(ObjectNames.FileName(name), prefix, out FileSpan span)
                && span.First < boundary && (span.Next ?? span.First) <= boundary)
            {
                below.Add(name);
            }
        }

        // Names sort by offset (zero-padded), and at one offset a compacted or idle file before the batch that starts there.
        below.Sort(StringComparer.Ordinal);
        var inputs = new List<string>();
        long newer = 0;
        for (int i = below.Count - 1; i >= 0; i--)
        {
            if (await _storage.GetLengthAsync(below[i], cancellationToken) is not { } length || length >= _targetBytes)
            {
                break; // a final file (or one gone since the listing) ends the run
            }

            if (inputs.Count > 0 && length > SizeRatio * newer)
            {
                break; // a file much larger than the newer ones waits until they add up (see SizeRatio)
            }

            inputs.Add(below[i]);
            newer += length;
        }

        inputs.Reverse();
        return inputs;
    }

    private async Task<CompactedStream> CompactStreamAsync(
        string folder, List<string> inputs, long boundary, PartitionOwnership ownership, CancellationToken cancellationToken)
    {
        string prefix = OutputLayout.BatchFilePrefix(ownership.Topic, ownership.Partition);
        _ = OutputLayout.TryParseFileSpan(ObjectNames.FileName(inputs[0]), prefix, out FileSpan first);
        string name = folder + OutputLayout.CompactedFileName(ownership.Topic, ownership.Partition, first.First, boundary);
        var schema = folder == OutputLayout.AggregatesFolder ? ParquetSchemas.Aggregates.Schema : ParquetSchemas.Raw.Schema;
        // The merge stops at a cancellation; the commit it leads to never does: a commit cancelled in flight (a Put Block
        // List the service carried out, say) would leave the inputs beside a committed file, to be read twice by a glob.
        var merge = new Merge(_storage, inputs, schema, _rowGroupSize, ownership, cancellationToken);
        WrittenObject written;
        try
        {
            written = await _storage.WriteAsync(name, merge, Merge.WriteAsync, CancellationToken.None);
        }
        catch (StorageConflictException conflict) when (conflict is { Conflict: StorageConflict.DifferentContent, Existing: { } orphan })
        {
            // Left by a processor that lost the partition mid-compaction; removed only once it is confirmed ours.
            await ownership.RemoveConflictingAsync(name, orphan, cancellationToken);
            merge = new Merge(_storage, inputs, schema, _rowGroupSize, ownership, cancellationToken);
            written = await _storage.WriteAsync(name, merge, Merge.WriteAsync, CancellationToken.None);
        }

        // Committed: the inputs are covered, so deleting them can change nothing a reader of the live set sees, and is
        // finished even when the lane is stopping (a glob of the folder then sees each row once).
        foreach (string input in inputs)
        {
            await _storage.DeleteAsync(input, CancellationToken.None);
        }

        return new CompactedStream(name, inputs, merge.Rows, written.Length);
    }

    /// <summary>One merge: its inputs, read a row group at a time, and the rows it wrote; it stops at <c>stop</c>.</summary>
    private sealed class Merge(
        IRunStorage storage, List<string> inputs, ParquetSchema schema, int rowGroupSize, PartitionOwnership ownership, CancellationToken stop)
    {
        private readonly PartitionOwnership _ownership = ownership;
        private readonly CancellationToken _stop = stop;

        public long Rows { get; private set; }

        /// <summary>The content of the compacted file; the storage's own token (none: the commit is not cancelled) is not used.</summary>
        public static async Task WriteAsync(Stream stream, Merge merge, CancellationToken _)
        {
            await merge.CopyRowsAsync(stream, merge._stop);

            // The file is complete but not committed yet: the last moment to find the partition taken over.
            await merge._ownership.ConfirmAsync(merge._stop);
        }

        private async Task CopyRowsAsync(Stream stream, CancellationToken cancellationToken)
        {
            Rows = 0;
            var columns = Array.ConvertAll(schema.DataFields, ColumnBuffer.For);
            await using ParquetWriter writer = await ParquetWriter.CreateAsync(schema, stream, ParquetSchemas.WriteOptions, cancellationToken: cancellationToken);
            foreach (string input in inputs)
            {
                await using Stream source = await storage.OpenReadAsync(input, cancellationToken)
                    ?? throw new FileNotFoundException($"'{storage.Locate(input)}' vanished before it was compacted.");
                await using ParquetReader reader = await ParquetReader.CreateAsync(source, leaveStreamOpen: true, cancellationToken: cancellationToken);
                var fields = reader.Schema.DataFields;
                for (int g = 0; g < reader.RowGroupCount; g++)
                {
                    using ParquetRowGroupReader rowGroup = reader.OpenRowGroupReader(g);
                    int rows = checked((int)rowGroup.RowCount);
                    foreach (ColumnBuffer column in columns)
                    {
                        DataField field = Array.Find(fields, f => f.Name == column.Field.Name)
                            ?? throw new InvalidDataException($"'{storage.Locate(input)}' has no column '{column.Field.Name}'.");
                        await column.AppendAsync(rowGroup, field, rows, cancellationToken);
                    }

                    while (columns[0].Count >= rowGroupSize)
                    {
                        await WriteRowGroupAsync(writer, columns, rowGroupSize, cancellationToken);
                    }
                }
            }

            if (columns[0].Count > 0)
            {
                await WriteRowGroupAsync(writer, columns, columns[0].Count, cancellationToken);
            }
        }

        private async Task WriteRowGroupAsync(ParquetWriter writer, ColumnBuffer[] columns, int rows, CancellationToken cancellationToken)
        {
            using ParquetRowGroupWriter rowGroup = writer.CreateRowGroup();
            foreach (ColumnBuffer column in columns)
            {
                await column.WriteAsync(rowGroup, rows, cancellationToken);
            }

            rowGroup.CompleteValidate();
            Rows += rows;
        }
    }
}

/// <summary>One stream's compaction: the file written, the inputs it replaced (deleted), its rows and bytes.</summary>
internal readonly record struct CompactedStream(string Name, IReadOnlyList<string> Inputs, long Rows, long Bytes);

/// <summary>What one compaction of a partition did, stream by stream (none: nothing was worth merging).</summary>
internal sealed record CompactionResult(IReadOnlyList<CompactedStream> Streams)
{
    public int FilesWritten => Streams.Count;

    public int InputsReplaced => Streams.Sum(static s => s.Inputs.Count);

    public long BytesWritten => Streams.Sum(static s => s.Bytes);
}
