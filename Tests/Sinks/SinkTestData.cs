using System.Globalization;
using Microsoft.Extensions.Options;
using Pipeline.StreamProcessor.Ingest;
using Pipeline.StreamProcessor.Inspection;
using Pipeline.StreamProcessor.Sinks;

namespace Pipeline.Tests.Sinks;

/// <summary>One raw row as the sink should write it (the id comes from the folder name).</summary>
internal sealed record RawRow(
    int Id, DateTime Timestamp, double Value, string? Source, string? Key, int Partition, long Offset, DateTime KafkaTimestamp);

/// <summary>Deterministic rows, options and readers shared by the sink and checkpoint tests.</summary>
internal static class SinkTestData
{
    public static readonly DateTime BaseTime = new(2025, 3, 1, 12, 0, 0, DateTimeKind.Utc);

    /// <summary>
    /// <paramref name="count"/> rows from <paramref name="firstOffset"/>, ids cycling through <paramref name="ids"/>,
    /// with null, empty and repeated strings. Event times have microsecond precision (what the file keeps),
    /// Kafka times millisecond precision.
    /// </summary>
    public static List<RawRow> Rows(int partition, long firstOffset, int count, int ids = 3)
    {
        var rows = new List<RawRow>(count);
        for (long offset = firstOffset; offset < firstOffset + count; offset++)
        {
            int id = (int)(offset % ids);
            string? source = (offset % 4) switch
            {
                0 => null,
                1 => "",
                _ => "sensor-" + (offset % 2).ToString(CultureInfo.InvariantCulture),
            };
            string? key = offset % 5 == 0 ? null : id.ToString(CultureInfo.InvariantCulture);
            rows.Add(new RawRow(
                id,
                BaseTime.AddSeconds(offset).AddTicks(offset * 70), // 7 µs steps: sub-second, whole microseconds
                (offset * 1.25) - 17.5,
                source,
                key,
                partition,
                offset,
                BaseTime.AddMilliseconds(offset * 3)));
        }

        return rows;
    }

    public static RawEventBatch ToBatch(IEnumerable<RawRow> rows)
    {
        var batch = new RawEventBatch();
        foreach (RawRow row in rows)
        {
            var e = new SensorEvent(row.Id, row.Timestamp, row.Value, row.Source);
            batch.Add(e, row.Key, row.Offset, row.KafkaTimestamp);
        }

        return batch;
    }

    public static IOptions<SinkOptions> Options(string outputPath, string runId = "test", int rowGroupSize = 100_000) =>
        Microsoft.Extensions.Options.Options.Create(new SinkOptions
        {
            OutputPath = outputPath,
            RunId = runId,
            RowGroupSize = rowGroupSize,
        });

    /// <summary>Reads the raw file <paramref name="name"/> of a run back as the run's reader does.</summary>
    public static async Task<List<RawRow>> ReadRawFileAsync(OutputReader reader, string name, CancellationToken cancellationToken)
    {
        var rows = new List<RawRow>();
        await foreach (RawEventRow row in reader.ReadEventFileAsync(name, cancellationToken))
        {
            rows.Add(new RawRow(row.Id, row.Timestamp, row.Value, row.Source, row.Key, row.KafkaPartition, row.KafkaOffset, row.KafkaTimestamp));
        }

        return rows;
    }

    /// <summary>Every file under <paramref name="directory"/>, as paths relative to it with '/' separators, sorted.</summary>
    public static List<string> RelativeFiles(string directory)
    {
        var files = new List<string>();
        if (Directory.Exists(directory))
        {
            foreach (string path in Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories))
            {
                files.Add(Path.GetRelativePath(directory, path).Replace('\\', '/'));
            }
        }

        files.Sort(StringComparer.Ordinal);
        return files;
    }
}
