using System.Globalization;
using DuckDB.NET.Data;

namespace Pipeline.Tests.TestKit;

/// <summary>
/// An independent reader of a run's output: DuckDB, not our own Parquet code, reads the files
/// (Hive partitioning gives the id from the folder) and recomputes the windows from the raw rows.
/// Results are sorted in C#: DuckDB 1.5.6 mis-sorts <c>epoch_*</c> results under ORDER BY.
/// </summary>
internal sealed class DuckDbOracle(string runDirectory) : IDisposable
{
    private readonly DuckDBConnection _connection = Open();

    private string EventsGlob => Path.Combine(runDirectory, "events", "**", "*.parquet").Replace('\\', '/');

    private string AggregatesGlob => Path.Combine(runDirectory, "aggregates", "*.parquet").Replace('\\', '/');

    /// <summary>Every raw row as (partition, offset) → (id, value).</summary>
    public Dictionary<(int Partition, long Offset), (int Id, double Value)> ReadEvents(out long rowCount)
    {
        var rows = new Dictionary<(int, long), (int, double)>();
        rowCount = 0;
        using var command = _connection.CreateCommand();
        command.CommandText = $"SELECT kafka_partition, kafka_offset, CAST(id AS INTEGER), value FROM read_parquet('{EventsGlob}', hive_partitioning = true)";
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            rowCount++;
            rows[(reader.GetInt32(0), reader.GetInt64(1))] = (reader.GetInt32(2), reader.GetDouble(3));
        }

        return rows;
    }

    /// <summary>The closed windows the processor wrote: (window start in ms, id) → aggregate.</summary>
    public Dictionary<(long StartMs, int Id), WindowRow> ReadAggregates(out long rowCount)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = $"SELECT epoch_ms(window_start), id, count, sum, min_value, max_value, avg_value FROM read_parquet('{AggregatesGlob}')";
        return ReadWindows(command, out rowCount);
    }

    /// <summary>The same windows recomputed by DuckDB from the raw rows (tumbling, <paramref name="windowMs"/> wide).</summary>
    public Dictionary<(long StartMs, int Id), WindowRow> RecomputeWindows(long windowMs)
    {
        using var command = _connection.CreateCommand();
        var size = windowMs.ToString(CultureInfo.InvariantCulture);
        command.CommandText =
            $"SELECT (epoch_ms(ts) // {size}) * {size} AS start_ms, CAST(id AS INTEGER), count(*), sum(value), min(value), max(value), avg(value) " +
            $"FROM read_parquet('{EventsGlob}', hive_partitioning = true) GROUP BY ALL";
        return ReadWindows(command, out _);
    }

    private static Dictionary<(long, int), WindowRow> ReadWindows(DuckDBCommand command, out long rowCount)
    {
        var windows = new Dictionary<(long, int), WindowRow>();
        rowCount = 0;
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            rowCount++;
            var row = new WindowRow(reader.GetInt64(2), reader.GetDouble(3), reader.GetDouble(4), reader.GetDouble(5), reader.GetDouble(6));
            windows[(reader.GetInt64(0), reader.GetInt32(1))] = row;
        }

        return windows;
    }

    private static DuckDBConnection Open()
    {
        var connection = new DuckDBConnection("DataSource=:memory:");
        connection.Open();
        return connection;
    }

    public void Dispose() => _connection.Dispose();
}

internal readonly record struct WindowRow(long Count, double Sum, double Min, double Max, double Average);
