using System.Collections;
using Parquet;
using Parquet.Schema;
using Pipeline.StreamProcessor.Contracts;
using Pipeline.StreamProcessor.Storage;

namespace Pipeline.Benchmarks.Files;

/// <summary>
/// What a run leaves for readers: the Parquet files in its folder at the end (what <c>*.parquet</c> globs, DuckDB and Spark
/// see), their sizes, rows and row groups, and whether every event produced is in exactly one raw row: each
/// (partition, offset) once, none missing.
/// </summary>
internal sealed class OutputCensus
{
    private readonly List<RawFile> _raw = [];

    private OutputCensus()
    {
    }

    public IReadOnlyList<RawFile> Raw => _raw;

    public int Aggregates { get; private set; }

    public int Other { get; private set; }

    public ExactlyOnce Check { get; private set; }

    /// <summary>One raw file: its bytes, rows and row groups.</summary>
    public readonly record struct RawFile(long Bytes, long Rows, int RowGroups);

    /// <summary>Rows read, (partition, offset) pairs seen more than once, produced but never seen, and not produced at all.</summary>
    public readonly record struct ExactlyOnce(long Rows, long Duplicates, long Missing, long Unknown)
    {
        public bool Holds => Duplicates == 0 && Missing == 0 && Unknown == 0;
    }

    /// <summary>Reads every Parquet file under <paramref name="runFolder"/>; <paramref name="produced"/>: events produced per partition.</summary>
    public static async Task<OutputCensus> TakeAsync(string runFolder, IReadOnlyList<long> produced, CancellationToken cancellationToken)
    {
        var census = new OutputCensus();
        var seen = produced.Select(static count => new BitArray(checked((int)count))).ToArray();
        long rows = 0, duplicates = 0, unknown = 0;
        foreach (var path in Directory.EnumerateFiles(runFolder, "*" + OutputLayout.ParquetExtension, SearchOption.AllDirectories))
        {
            var name = Path.GetRelativePath(runFolder, path).Replace(Path.DirectorySeparatorChar, ObjectNames.Separator);
            if (name.StartsWith(OutputLayout.AggregatesFolder, StringComparison.Ordinal))
            {
                census.Aggregates++;
                continue;
            }

            if (!name.StartsWith(OutputLayout.EventsFolder, StringComparison.Ordinal))
            {
                census.Other++;
                continue;
            }

            await using var stream = File.OpenRead(path);
            await using var reader = await ParquetReader.CreateAsync(stream, cancellationToken: cancellationToken);
            var fields = reader.Schema.DataFields;
            var partitionField = Field(fields, RawEventColumnNames.KafkaPartition);
            var offsetField = Field(fields, RawEventColumnNames.KafkaOffset);
            long fileRows = 0;
            for (var g = 0; g < reader.RowGroupCount; g++)
            {
                using var rowGroup = reader.OpenRowGroupReader(g);
                var n = checked((int)rowGroup.RowCount);
                var partitions = new int[n];
                var offsets = new long[n];
                await rowGroup.ReadAsync<int>(partitionField, partitions, cancellationToken: cancellationToken);
                await rowGroup.ReadAsync<long>(offsetField, offsets, cancellationToken: cancellationToken);
                for (var i = 0; i < n; i++)
                {
                    if ((uint)partitions[i] >= (uint)seen.Length || (ulong)offsets[i] >= (ulong)seen[partitions[i]].Length)
                    {
                        unknown++;
                    }
                    else if (seen[partitions[i]][(int)offsets[i]])
                    {
                        duplicates++;
                    }
                    else
                    {
                        seen[partitions[i]][(int)offsets[i]] = true;
                    }
                }

                fileRows += n;
            }

            rows += fileRows;
            census._raw.Add(new RawFile(stream.Length, fileRows, reader.RowGroupCount));
        }

        var distinct = rows - duplicates - unknown;
        census.Check = new ExactlyOnce(rows, duplicates, produced.Sum() - distinct, unknown);
        return census;
    }

    private static DataField Field(DataField[] fields, string name) =>
        Array.Find(fields, f => f.Name == name) ?? throw new InvalidDataException($"A raw file has no column '{name}'.");
}
