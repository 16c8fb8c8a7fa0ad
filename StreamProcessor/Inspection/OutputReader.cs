using System.Globalization;
using System.Runtime.CompilerServices;
using Parquet;
using Parquet.Schema;
using Pipeline.StreamProcessor.Contracts;
using Pipeline.StreamProcessor.Sinks;

namespace Pipeline.StreamProcessor.Inspection;

/// <summary>One raw event row as stored (the id comes from its <c>id=&lt;n&gt;</c> folder).</summary>
internal readonly record struct RawEventRow(
    int Id, DateTime Timestamp, double Value, string? Source, string? Key, int KafkaPartition, long KafkaOffset, DateTime KafkaTimestamp);

/// <summary>Reads a run's committed Parquet output (temporary files are never visible to it).</summary>
internal sealed class OutputReader(OutputLayout layout)
{
    public OutputLayout Layout { get; } = layout;

    /// <summary>Row counts per id from the files' metadata, without reading any data page.</summary>
    public async Task<SortedDictionary<int, long>> CountRowsByIdAsync(CancellationToken cancellationToken)
    {
        var counts = new SortedDictionary<int, long>();
        foreach (var (id, path) in RawFiles())
        {
            await using var reader = await ParquetReader.CreateAsync(path, cancellationToken: cancellationToken);
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
        foreach (var (id, path) in RawFiles())
        {
            await using var reader = await ParquetReader.CreateAsync(path, cancellationToken: cancellationToken);
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
    }

    /// <summary>Every closed-window row.</summary>
    public async IAsyncEnumerable<Windowing.WindowAggregate> ReadAggregatesAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (!Directory.Exists(Layout.AggregatesDirectory))
        {
            yield break;
        }

        var files = Directory.GetFiles(Layout.AggregatesDirectory, "*" + OutputLayout.ParquetExtension);
        Array.Sort(files, StringComparer.Ordinal);
        foreach (var path in files)
        {
            await using var reader = await ParquetReader.CreateAsync(path, cancellationToken: cancellationToken);
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
    }

    private List<(int Id, string Path)> RawFiles()
    {
        var files = new List<(int, string)>();
        if (!Directory.Exists(Layout.EventsDirectory))
        {
            return files;
        }

        foreach (var directory in Directory.GetDirectories(Layout.EventsDirectory, OutputLayout.IdFolderPrefix + "*"))
        {
            var name = Path.GetFileName(directory);
            if (!int.TryParse(name.AsSpan(OutputLayout.IdFolderPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var id))
            {
                continue;
            }

            var paths = Directory.GetFiles(directory, "*" + OutputLayout.ParquetExtension);
            Array.Sort(paths, StringComparer.Ordinal);
            foreach (var path in paths)
            {
                files.Add((id, path));
            }
        }

        files.Sort((a, b) => a.Item1 != b.Item1 ? a.Item1.CompareTo(b.Item1) : string.CompareOrdinal(a.Item2, b.Item2));
        return files;
    }

    private static DataField Field(DataField[] fields, string name) =>
        Array.Find(fields, f => f.Name == name) ?? throw new InvalidDataException($"The file has no column '{name}'.");
}
