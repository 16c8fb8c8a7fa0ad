using System.Buffers;
using Microsoft.Extensions.Options;
using Parquet;
using Pipeline.StreamProcessor.Checkpointing;
using Pipeline.StreamProcessor.Storage;
using Pipeline.StreamProcessor.Windowing;

namespace Pipeline.StreamProcessor.Sinks;

/// <summary>
/// Writes one batch (a contiguous offset range <c>[firstOffset, nextOffset)</c> of one partition) as Parquet:
/// one raw file per id and one file of the windows the batch closed, each an object of the run's
/// <see cref="IRunStorage"/> under its deterministic name (<see cref="OutputLayout"/>). Readers never see a partial
/// file, and a replay of the same batch lands the same bytes under the same names. The caller replaces the
/// partition checkpoint only after this returns.
/// Stateless apart from its settings: lanes of different partitions may call it concurrently.
/// </summary>
internal sealed class ParquetBatchWriter(IRunStorage storage, IOptions<SinkOptions> options)
{
    private readonly IRunStorage _storage = storage;
    private readonly int _rowGroupSize = options.Value.RowGroupSize;

    /// <summary>
    /// Commits the files of the batch <c>[firstOffset, nextOffset)</c>, which consumed at least one offset
    /// (records rejected to the dead-letter topic count). A batch that consumed none goes to
    /// <see cref="WriteIdleWindowsAsync"/>. Writes nothing for an empty id set and no closed windows.
    /// </summary>
    public async Task<BatchFiles> WriteAsync(
        string topic,
        int partition,
        long firstOffset,
        RawEventBatch raw,
        IReadOnlyList<WindowAggregate> closedWindows,
        CancellationToken cancellationToken,
        PartitionOwnership? ownership = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        ArgumentOutOfRangeException.ThrowIfNegative(partition);
        ArgumentOutOfRangeException.ThrowIfNegative(firstOffset);
        ArgumentNullException.ThrowIfNull(raw);
        ArgumentNullException.ThrowIfNull(closedWindows);
        if (raw.MinOffset is { } minOffset && minOffset < firstOffset)
        {
            // The file names promise that nothing below firstOffset is inside; orphan cleanup relies on it.
            throw new ArgumentException(
                $"The batch holds offset {minOffset}, below its first offset {firstOffset}.", nameof(firstOffset));
        }

        EnsureOwnerOf(ownership, topic, partition);
        if (raw.Count == 0 && closedWindows.Count == 0)
        {
            return BatchFiles.Empty;
        }

        WrittenFile[] rawFiles = raw.IdCount == 0 ? [] : await WriteRawFilesAsync(topic, partition, firstOffset, raw, ownership, cancellationToken);
        WrittenFile? aggregateFile = closedWindows.Count == 0
            ? null
            : await WriteAggregatesAsync(OutputLayout.AggregateFileName(topic, partition, firstOffset), closedWindows, ownership, cancellationToken);
        return new BatchFiles(rawFiles, aggregateFile);
    }

    /// <summary>
    /// Writes the windows an idle batch closed: one that consumed no offset, because the partition was idle and
    /// its watermark advanced with the clock. Such a batch cannot be named by a first offset (the next real
    /// batch starts at the same offset), so its file is named by <paramref name="nextOffset"/> and the
    /// <paramref name="watermark"/> that closed the windows (<see cref="OutputLayout.IdleBatchFileName"/>).
    /// Pass exactly the watermark of the checkpoint saved next: orphan cleanup compares the two.
    /// </summary>
    public async Task<BatchFiles> WriteIdleWindowsAsync(
        string topic,
        int partition,
        long nextOffset,
        DateTime watermark,
        IReadOnlyList<WindowAggregate> closedWindows,
        CancellationToken cancellationToken,
        PartitionOwnership? ownership = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        ArgumentOutOfRangeException.ThrowIfNegative(partition);
        ArgumentOutOfRangeException.ThrowIfNegative(nextOffset);
        ArgumentNullException.ThrowIfNull(closedWindows);
        EnsureOwnerOf(ownership, topic, partition);
        if (closedWindows.Count == 0)
        {
            return BatchFiles.Empty;
        }

        string name = OutputLayout.IdleAggregateFileName(topic, partition, nextOffset, watermark);
        return new BatchFiles([], await WriteAggregatesAsync(name, closedWindows, ownership, cancellationToken));
    }

    /// <summary>An owner of another partition would confirm the wrong checkpoint before replacing a file.</summary>
    private static void EnsureOwnerOf(PartitionOwnership? ownership, string topic, int partition)
    {
        if (ownership is not null && (!string.Equals(ownership.Topic, topic, StringComparison.Ordinal) || ownership.Partition != partition))
        {
            throw new ArgumentException(
                $"The owner of {ownership.Topic}[{ownership.Partition}] cannot write {topic}[{partition}].", nameof(ownership));
        }
    }

    private async Task<WrittenFile[]> WriteRawFilesAsync(
        string topic, int partition, long firstOffset, RawEventBatch raw, PartitionOwnership? ownership, CancellationToken cancellationToken)
    {
        var byId = new RawEventColumns[raw.IdCount];
        raw.Columns.CopyTo(byId, 0);
        Array.Sort(byId, static (a, b) => a.Id.CompareTo(b.Id));

        int largest = 0;
        foreach (RawEventColumns columns in byId)
        {
            largest = Math.Max(largest, columns.Count);
        }

        // Every row of a batch comes from one partition: one shared constant column serves all files.
        int[] partitionColumn = ArrayPool<int>.Shared.Rent(Math.Min(largest, _rowGroupSize));
        try
        {
            Array.Fill(partitionColumn, partition);
            var files = new WrittenFile[byId.Length];

            // The files of a batch are independent: encoding them on every core halves the commit on the 2-core
            // target machine, and uploads overlap their round trips. Each still lands atomically; the checkpoint
            // waits for all.
            await Parallel.ForAsync(0, byId.Length, new ParallelOptions
            {
                CancellationToken = cancellationToken,
                MaxDegreeOfParallelism = _storage.MaxConcurrentWrites,
            }, async (i, token) =>
            {
                RawEventColumns columns = byId[i];
                string name = OutputLayout.RawFileName(topic, partition, firstOffset, columns.Id);
                var written = await WriteObjectAsync(name, (columns, partitionColumn, _rowGroupSize), WriteRawAsync, ownership, token);
                files[i] = new WrittenFile(_storage.Locate(name), columns.Count, written.Length, name, written.Version);
            });

            return files;
        }
        finally
        {
            ArrayPool<int>.Shared.Return(partitionColumn);
        }
    }

    /// <summary>
    /// Writes one object. Object storage never overwrites a blob with other bytes (a processor that lost the
    /// partition must not clobber the new owner's files); such a blob lies at or beyond this lane's checkpoint, so it
    /// is an orphan, of a crash or of that other processor. The lane's <paramref name="ownership"/> removes exactly that
    /// blob (<c>If-Match</c>) once it has confirmed the partition is still the lane's
    /// (<see cref="PartitionOwnership.RemoveConflictingAsync"/>), and the write is retried. Without an owner the
    /// conflict is thrown.
    /// </summary>
    private async Task<WrittenObject> WriteObjectAsync<TState>(
        string name,
        TState state,
        Func<Stream, TState, CancellationToken, Task> write,
        PartitionOwnership? ownership,
        CancellationToken cancellationToken)
    {
        try
        {
            return await _storage.WriteAsync(name, state, write, cancellationToken);
        }
        catch (StorageConflictException conflict)
            when (conflict is { Conflict: StorageConflict.DifferentContent, Existing: { } orphan } && ownership is not null)
        {
            await ownership.RemoveConflictingAsync(name, orphan, cancellationToken);
            return await _storage.WriteAsync(name, state, write, cancellationToken);
        }
    }

    private static async Task WriteRawAsync(
        Stream stream, (RawEventColumns Columns, int[] PartitionColumn, int RowGroupSize) state, CancellationToken cancellationToken)
    {
        (RawEventColumns columns, int[] partitionColumn, int rowGroupSize) = state;
        await using ParquetWriter writer = await ParquetWriter.CreateAsync(
            ParquetSchemas.Raw.Schema, stream, ParquetSchemas.WriteOptions, cancellationToken: cancellationToken);

        for (int start = 0; start < columns.Count; start += rowGroupSize)
        {
            int length = Math.Min(rowGroupSize, columns.Count - start);
            using ParquetRowGroupWriter rowGroup = writer.CreateRowGroup();
            await rowGroup.WriteAsync<DateTime>(
                ParquetSchemas.Raw.Timestamp, columns.Timestamps.Slice(start, length), cancellationToken: cancellationToken);
            await rowGroup.WriteAsync<double>(
                ParquetSchemas.Raw.Value, columns.Values.Slice(start, length), cancellationToken: cancellationToken);
            // Parquet.Net's string overload (it writes the nulls as nulls).
            await rowGroup.WriteAsync(ParquetSchemas.Raw.Source, (IReadOnlyCollection<string>)columns.Sources.Slice(start, length)!);
            await rowGroup.WriteAsync(ParquetSchemas.Raw.Key, (IReadOnlyCollection<string>)columns.Keys.Slice(start, length)!);
            await rowGroup.WriteAsync<int>(
                ParquetSchemas.Raw.KafkaPartition, partitionColumn.AsMemory(0, length), cancellationToken: cancellationToken);
            await rowGroup.WriteAsync<long>(
                ParquetSchemas.Raw.KafkaOffset, columns.Offsets.Slice(start, length), cancellationToken: cancellationToken);
            await rowGroup.WriteAsync<DateTime>(
                ParquetSchemas.Raw.KafkaTimestamp, columns.KafkaTimestamps.Slice(start, length), cancellationToken: cancellationToken);
            rowGroup.CompleteValidate();
        }
    }

    private async Task<WrittenFile> WriteAggregatesAsync(
        string name, IReadOnlyList<WindowAggregate> closedWindows, PartitionOwnership? ownership, CancellationToken cancellationToken)
    {
        int count = closedWindows.Count;
        WindowAggregate[] sorted = ArrayPool<WindowAggregate>.Shared.Rent(count);
        try
        {
            for (int i = 0; i < count; i++)
            {
                sorted[i] = closedWindows[i];
            }

            // Rows inside one aggregates file are ordered by (window start, id): the window engine's emission order
            // may depend on hash-table history, which differs after a restore, and a replay must produce the same bytes.
            Array.Sort(sorted, 0, count, WindowOrder.Instance);
            var written = await WriteObjectAsync(name, (sorted, count, _rowGroupSize), WriteAggregatesAsync, ownership, cancellationToken);
            return new WrittenFile(_storage.Locate(name), count, written.Length, name, written.Version);
        }
        finally
        {
            ArrayPool<WindowAggregate>.Shared.Return(sorted);
        }
    }

    private static async Task WriteAggregatesAsync(
        Stream stream, (WindowAggregate[] Windows, int Count, int RowGroupSize) state, CancellationToken cancellationToken)
    {
        (WindowAggregate[] windows, int count, int rowGroupSize) = state;
        using var columns = new AggregateColumns(Math.Min(count, rowGroupSize));
        await using ParquetWriter writer = await ParquetWriter.CreateAsync(
            ParquetSchemas.Aggregates.Schema, stream, ParquetSchemas.WriteOptions, cancellationToken: cancellationToken);

        for (int start = 0; start < count; start += rowGroupSize)
        {
            int length = Math.Min(rowGroupSize, count - start);
            columns.Fill(windows.AsSpan(start, length));
            using ParquetRowGroupWriter rowGroup = writer.CreateRowGroup();
            await rowGroup.WriteAsync<DateTime>(
                ParquetSchemas.Aggregates.WindowStart, columns.WindowStarts.AsMemory(0, length), cancellationToken: cancellationToken);
            await rowGroup.WriteAsync<DateTime>(
                ParquetSchemas.Aggregates.WindowEnd, columns.WindowEnds.AsMemory(0, length), cancellationToken: cancellationToken);
            await rowGroup.WriteAsync<int>(
                ParquetSchemas.Aggregates.Id, columns.Ids.AsMemory(0, length), cancellationToken: cancellationToken);
            await rowGroup.WriteAsync<long>(
                ParquetSchemas.Aggregates.Count, columns.Counts.AsMemory(0, length), cancellationToken: cancellationToken);
            await rowGroup.WriteAsync<double>(
                ParquetSchemas.Aggregates.Sum, columns.Sums.AsMemory(0, length), cancellationToken: cancellationToken);
            await rowGroup.WriteAsync<double>(
                ParquetSchemas.Aggregates.Average, columns.Averages.AsMemory(0, length), cancellationToken: cancellationToken);
            await rowGroup.WriteAsync<double>(
                ParquetSchemas.Aggregates.Min, columns.Mins.AsMemory(0, length), cancellationToken: cancellationToken);
            await rowGroup.WriteAsync<double>(
                ParquetSchemas.Aggregates.Max, columns.Maxes.AsMemory(0, length), cancellationToken: cancellationToken);
            rowGroup.CompleteValidate();
        }
    }
}
