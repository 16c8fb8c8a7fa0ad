using System.Diagnostics;
using DuckDB.NET.Data;
using Pipeline.StreamProcessor.Contracts;

namespace Pipeline.Benchmarks.Pipeline;

/// <summary>
/// The same work done in batch by DuckDB: read the NDJSON, write the raw events as Parquet
/// partitioned by id, group them into the same tumbling windows and write the aggregates.
/// </summary>
internal static class DuckDbPeer
{
    public static (TimeSpan Elapsed, long Rows, long Windows) Run(string ndjsonPath, string outputDirectory, TimeSpan windowSize)
    {
        Directory.CreateDirectory(outputDirectory);
        var input = ndjsonPath.Replace('\'', '_');
        var events = Path.Combine(outputDirectory, "events").Replace('\'', '_');
        var aggregates = Path.Combine(outputDirectory, "aggregates.parquet").Replace('\'', '_');
        using var connection = new DuckDBConnection("DataSource=:memory:");
        connection.Open();
        var stopwatch = Stopwatch.StartNew();
        Execute(connection,
            $"CREATE TABLE raw AS SELECT id, CAST(ts AS TIMESTAMPTZ) AS ts, value, source " +
            $"FROM read_ndjson('{input}', columns = {{id: 'INTEGER', ts: 'VARCHAR', value: 'DOUBLE', source: 'VARCHAR'}})");
        Execute(connection, $"COPY raw TO '{events}' (FORMAT parquet, PARTITION_BY (id), COMPRESSION snappy, OVERWRITE_OR_IGNORE)");
        var seconds = (long)windowSize.TotalSeconds;
        Execute(connection,
            $"COPY (SELECT time_bucket(INTERVAL '{seconds} seconds', ts) AS {ClosedWindow.Columns.WindowStart}, id AS {ClosedWindow.Columns.Id}, " +
            $"count(*) AS {ClosedWindow.Columns.Count}, sum(value) AS {ClosedWindow.Columns.Sum}, avg(value) AS {ClosedWindow.Columns.Average}, " +
            $"min(value) AS {ClosedWindow.Columns.Min}, max(value) AS {ClosedWindow.Columns.Max} FROM raw GROUP BY ALL) " +
            $"TO '{aggregates}' (FORMAT parquet, COMPRESSION snappy)");
        stopwatch.Stop();
        var rows = Scalar(connection, "SELECT count(*) FROM raw");
        var windows = Scalar(connection, $"SELECT count(*) FROM read_parquet('{aggregates}')");
        return (stopwatch.Elapsed, rows, windows);
    }

    private static void Execute(DuckDBConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static long Scalar(DuckDBConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
