using System.Runtime.CompilerServices;
using Parquet;
using Parquet.Schema;
using Pipeline.StreamProcessor.Contracts;
using Pipeline.StreamProcessor.Storage;

namespace Pipeline.StreamProcessor.Inspection;

/// <summary>One raw event row as stored (the id comes from its <c>id=&lt;n&gt;</c> folder).</summary>
internal readonly record struct RawEventRow(
    int Id, DateTime Timestamp, double Value, string? Source, string? Key, int KafkaPartition, long KafkaOffset, DateTime KafkaTimestamp);

/// <summary>
/// Reads a run's committed Parquet output through its <see cref="IRunStorage"/>, from a folder or a container alike
/// (temporary files are never visible to it). Only the live set is read (<see cref="OutputLayout.LiveFiles"/>): a file a
/// compacted one covers is skipped, so every row is read once even between a compaction's commit and its deletes. A file
/// that vanishes after the listing (its compaction deleted it) is a <see cref="RunChangedException"/>: the reader's
/// caller reads the run again (<see cref="OutputCommands"/>). Files are read a row group at a time, never loaded whole.
/// </summary>
internal sealed class OutputReader(IRunStorage storage)
{
    public IRunStorage Storage { get; } = storage;

    /// <summary>Whether the run has anything at all (a checkpoint, a manifest or a file).</summary>
    public async Task<bool> ExistsAsync(CancellationToken cancellationToken)
    {
        await foreach (string _ in Storage.ListAsync("", cancellationToken))
        {
            return true;
        }

        return false;
    }

    /// <summary>
    /// Copies every object of the run (Parquet files of the live set, checkpoints, manifest) into
    /// <paramref name="directory"/> under the same relative names, so a run in a container can be read by tools that want a folder (DuckDB, Spark).
    /// Returns the names copied; each is also added to <paramref name="copied"/>, if given, as soon as it is there (what
    /// an attempt that fails halfway left in the folder).
    /// </summary>
    /// <exception cref="RunChangedException">A file vanished while the run was copied: copy it again.</exception>
    public async Task<List<string>> CopyToAsync(string directory, CancellationToken cancellationToken, ISet<string>? copied = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        var target = new LocalFileStorage(directory);
        var copiedNow = new List<string>();
        var names = new List<string>();
        await foreach (var name in Storage.ListAsync("", cancellationToken))
        {
            names.Add(name);
        }

        foreach (var name in OutputLayout.LiveFiles(names))
        {
            var stored = await Storage.ReadAsync(name, cancellationToken) ?? throw new RunChangedException(Storage.Locate(name));

            await target.WriteAsync(name, stored.Content, static (stream, content, ct) => stream.WriteAsync(content, ct).AsTask(), cancellationToken);
            copied?.Add(name);
            copiedNow.Add(name);
        }

        return copiedNow;
    }

    /// <summary>Row counts per id from the files' metadata, without reading any data page.</summary>
    public async Task<SortedDictionary<int, long>> CountRowsByIdAsync(CancellationToken cancellationToken)
    {
        var counts = new SortedDictionary<int, long>();
        foreach (var (id, name) in await RawFilesAsync(cancellationToken))
        {
            await using var reader = await OpenAsync(name, cancellationToken);
            long rows = 0;
            for (var g = 0; g < reader.RowGroupCount; g++)
            {
                using var rowGroup = reader.OpenRowGroupReader(g);
                rows += rowGroup.RowCount;
            }

            counts[id] = counts.GetValueOrDefault(id) + rows;
        }

        return counts;
    }

    /// <summary>Every raw row, file by file (ids ascending, files in offset order).</summary>
    public async IAsyncEnumerable<RawEventRow> ReadEventsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var (id, name) in await RawFilesAsync(cancellationToken))
        {
            await foreach (var row in ReadEventFileAsync(id, name, cancellationToken))
            {
                yield return row;
            }
        }
    }

    /// <summary>The rows of one raw file (<see cref="OutputLayout.RawFileName"/>), in the order they were written.</summary>
    /// <exception cref="ArgumentException"><paramref name="name"/> lies in no <c>events/id=&lt;n&gt;/</c> folder.</exception>
    public IAsyncEnumerable<RawEventRow> ReadEventFileAsync(string name, CancellationToken cancellationToken)
    {
        ObjectNames.Validate(name);
        int id = OutputLayout.ParseIdFolder(name[..(name.LastIndexOf(ObjectNames.Separator) + 1)])
            ?? throw new ArgumentException($"'{name}' is not a raw file: it lies in no id folder.", nameof(name));
        return ReadEventFileAsync(id, name, cancellationToken);
    }

    private async IAsyncEnumerable<RawEventRow> ReadEventFileAsync(int id, string name, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var reader = await OpenAsync(name, cancellationToken);
        var fields = reader.Schema.DataFields;
        for (var g = 0; g < reader.RowGroupCount; g++)
        {
            using var rowGroup = reader.OpenRowGroupReader(g);
            var n = checked((int)rowGroup.RowCount);
            var ts = new DateTime[n];
            var values = new double[n];
            var sources = new string?[n];
            var keys = new string?[n];
            var partitions = new int[n];
            var offsets = new long[n];
            var kafkaTs = new DateTime[n];
            await rowGroup.ReadAsync<DateTime>(Field(fields, RawEventColumnNames.Timestamp), ts, cancellationToken: cancellationToken);
            await rowGroup.ReadAsync<double>(Field(fields, RawEventColumnNames.Value), values, cancellationToken: cancellationToken);
            await rowGroup.ReadAsync(Field(fields, RawEventColumnNames.Source), sources, cancellationToken: cancellationToken);
            await rowGroup.ReadAsync(Field(fields, RawEventColumnNames.Key), keys, cancellationToken: cancellationToken);
            await rowGroup.ReadAsync<int>(Field(fields, RawEventColumnNames.KafkaPartition), partitions, cancellationToken: cancellationToken);
            await rowGroup.ReadAsync<long>(Field(fields, RawEventColumnNames.KafkaOffset), offsets, cancellationToken: cancellationToken);
            await rowGroup.ReadAsync<DateTime>(Field(fields, RawEventColumnNames.KafkaTimestamp), kafkaTs, cancellationToken: cancellationToken);
            for (var i = 0; i < n; i++)
            {
                yield return new RawEventRow(id, ts[i], values[i], sources[i], keys[i], partitions[i], offsets[i], kafkaTs[i]);
            }
        }
    }

    /// <summary>Every closed-window row, file by file in name order.</summary>
    public async IAsyncEnumerable<Windowing.WindowAggregate> ReadAggregatesAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var name in await ParquetFilesAsync(OutputLayout.AggregatesFolder, cancellationToken))
        {
            await foreach (var window in ReadAggregateFileAsync(name, cancellationToken))
            {
                yield return window;
            }
        }
    }

    /// <summary>The closed-window rows of one aggregates file (<see cref="OutputLayout.AggregateFileName"/>), in file order.</summary>
    public async IAsyncEnumerable<Windowing.WindowAggregate> ReadAggregateFileAsync(string name, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var reader = await OpenAsync(name, cancellationToken);
        var fields = reader.Schema.DataFields;
        for (var g = 0; g < reader.RowGroupCount; g++)
        {
            using var rowGroup = reader.OpenRowGroupReader(g);
            var n = checked((int)rowGroup.RowCount);
            var starts = new DateTime[n];
            var ends = new DateTime[n];
            var ids = new int[n];
            var counts = new long[n];
            var sums = new double[n];
            var mins = new double[n];
            var maxes = new double[n];
            await rowGroup.ReadAsync<DateTime>(Field(fields, ClosedWindow.Columns.WindowStart), starts, cancellationToken: cancellationToken);
            await rowGroup.ReadAsync<DateTime>(Field(fields, ClosedWindow.Columns.WindowEnd), ends, cancellationToken: cancellationToken);
            await rowGroup.ReadAsync<int>(Field(fields, ClosedWindow.Columns.Id), ids, cancellationToken: cancellationToken);
            await rowGroup.ReadAsync<long>(Field(fields, ClosedWindow.Columns.Count), counts, cancellationToken: cancellationToken);
            await rowGroup.ReadAsync<double>(Field(fields, ClosedWindow.Columns.Sum), sums, cancellationToken: cancellationToken);
            await rowGroup.ReadAsync<double>(Field(fields, ClosedWindow.Columns.Min), mins, cancellationToken: cancellationToken);
            await rowGroup.ReadAsync<double>(Field(fields, ClosedWindow.Columns.Max), maxes, cancellationToken: cancellationToken);
            for (var i = 0; i < n; i++)
            {
                yield return new Windowing.WindowAggregate(starts[i], ends[i], ids[i], counts[i], sums[i], mins[i], maxes[i]);
            }
        }
    }

    private async Task<List<(int Id, string Name)>> RawFilesAsync(CancellationToken cancellationToken)
    {
        var files = new List<(int Id, string Name)>();
        await foreach (var folder in Storage.ListFoldersAsync(OutputLayout.EventsFolder, cancellationToken))
        {
            if (OutputLayout.ParseIdFolder(folder) is not { } id)
            {
                continue;
            }

            foreach (var name in await ParquetFilesAsync(folder, cancellationToken))
            {
                files.Add((id, name));
            }
        }

        files.Sort((a, b) => a.Id != b.Id ? a.Id.CompareTo(b.Id) : string.CompareOrdinal(a.Name, b.Name));
        return files;
    }

    /// <summary>The live Parquet files directly in <paramref name="folder"/>, in name (so offset) order.</summary>
    private async Task<List<string>> ParquetFilesAsync(string folder, CancellationToken cancellationToken)
    {
        var names = new List<string>();
        await foreach (var name in Storage.ListAsync(folder, cancellationToken))
        {
            if (name.EndsWith(OutputLayout.ParquetExtension, StringComparison.Ordinal)
                && name.IndexOf(ObjectNames.Separator, folder.Length) < 0)
            {
                names.Add(name);
            }
        }

        var live = OutputLayout.LiveFiles(names);
        live.Sort(StringComparer.Ordinal);
        return live;
    }

    private async Task<ParquetReader> OpenAsync(string name, CancellationToken cancellationToken)
    {
        var stream = await Storage.OpenReadAsync(name, cancellationToken) ?? throw new RunChangedException(Storage.Locate(name));
        try
        {
            return await ParquetReader.CreateAsync(stream, leaveStreamOpen: false, cancellationToken: cancellationToken);
        }
        catch
        {
            await stream.DisposeAsync();
            throw;
        }
    }

    private static DataField Field(DataField[] fields, string name) =>
        Array.Find(fields, f => f.Name == name) ?? throw new InvalidDataException($"The file has no column '{name}'.");
}
