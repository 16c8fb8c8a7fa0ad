using DuckDB.NET.Data;
using Parquet;
using Parquet.Schema;
using Pipeline.StreamProcessor.Contracts;
using Pipeline.StreamProcessor.Sinks;
using Pipeline.StreamProcessor.Windowing;

namespace Pipeline.Tests.Sinks;

public sealed class ParquetBatchWriterTests : IDisposable
{
    private const string Topic = "events";
    private const int Partition = 3;
    private const long FirstOffset = 42;
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);

    private readonly TempOutputDirectory _output = new();
    private readonly TestRun _run;
    private readonly ParquetBatchWriter _sut;

    public ParquetBatchWriterTests()
    {
        _run = TestRun.Local(_output.Path);
        _sut = _run.Writer();
    }

    private string RunDirectory => _run.Directory;

    public void Dispose() => _output.Dispose();

    [Fact]
    public async Task WriteAsync_RawBatch_RoundTripsEveryRowThroughParquetNet()
    {
        // Arrange
        CancellationToken ct = TestContext.Current.CancellationToken;
        List<RawRow> rows = SinkTestData.Rows(Partition, FirstOffset, 30);
        RawEventBatch batch = SinkTestData.ToBatch(rows);

        // Act
        BatchFiles files = await _sut.WriteAsync(Topic, Partition, FirstOffset, batch, [], ct).WaitAsync(s_timeout, ct);

        // Assert
        Assert.Equal(3, files.RawFiles.Count);
        Assert.Equal(30, files.RawRows);
        var read = new List<RawRow>();
        foreach (WrittenFile file in files.RawFiles)
        {
            List<RawRow> fileRows = await SinkTestData.ReadRawFileAsync(_run.Reader, file.Name, ct).WaitAsync(s_timeout, ct);
            Assert.Equal(file.Rows, fileRows.Count);
            Assert.Equal(new FileInfo(file.Path).Length, file.Bytes);
            read.AddRange(fileRows);
        }

        read.Sort((a, b) => a.Offset.CompareTo(b.Offset));
        Assert.Equal(rows, read);
        Assert.All(read, r => Assert.Equal(DateTimeKind.Utc, r.Timestamp.Kind));
    }

    [Fact]
    public async Task WriteAsync_RawBatch_WritesUtcTimestampSchemaNotInt96()
    {
        // Arrange
        CancellationToken ct = TestContext.Current.CancellationToken;
        RawEventBatch batch = SinkTestData.ToBatch(SinkTestData.Rows(Partition, FirstOffset, 5));

        // Act
        BatchFiles files = await _sut.WriteAsync(Topic, Partition, FirstOffset, batch, [], ct).WaitAsync(s_timeout, ct);

        // Assert
        await using ParquetReader reader = await ParquetReader.CreateAsync(files.RawFiles[0].Path, cancellationToken: ct);
        DataField[] fields = reader.Schema.DataFields;
        Assert.Equal(
            ["ts", "value", "source", "key", "kafka_partition", "kafka_offset", "kafka_timestamp"],
            fields.Select(f => f.Name));
        AssertUtcTimestamp(fields[0], DateTimeTimeUnit.Micros);
        AssertUtcTimestamp(fields[6], DateTimeTimeUnit.Millis);
        Assert.False(fields[1].IsNullable);
        Assert.True(fields[2].IsNullable);
        Assert.True(fields[3].IsNullable);
        Assert.False(fields[4].IsNullable);
        Assert.False(fields[5].IsNullable);
        using ParquetRowGroupReader rowGroup = reader.OpenRowGroupReader(0);
        Assert.All(fields, f => Assert.Equal(global::Parquet.Meta.CompressionCodec.SNAPPY, rowGroup.GetMetadata(f)!.MetaData!.Codec));
    }

    [Fact]
    public async Task WriteAsync_RawBatch_DuckDbReadsHivePartitionedRowsWithTimestampTz()
    {
        // Arrange
        CancellationToken ct = TestContext.Current.CancellationToken;
        List<RawRow> rows = SinkTestData.Rows(Partition, FirstOffset, 40, ids: 4);
        RawEventBatch batch = SinkTestData.ToBatch(rows);

        // Act
        await _sut.WriteAsync(Topic, Partition, FirstOffset, batch, [], ct).WaitAsync(s_timeout, ct);

        // Assert
        using var connection = new DuckDBConnection("DataSource=:memory:");
        connection.Open();
        string source = $"read_parquet('{RunDirectory}/events/**/*.parquet', hive_partitioning=true)";
        Dictionary<string, string> types = DescribeColumns(connection, source);
        Assert.Equal("TIMESTAMP WITH TIME ZONE", types["ts"]);
        Assert.Equal("TIMESTAMP WITH TIME ZONE", types["kafka_timestamp"]);
        Assert.Equal("DOUBLE", types["value"]);
        Assert.Equal("VARCHAR", types["source"]);
        Assert.Equal("VARCHAR", types["key"]);
        Assert.Equal("INTEGER", types["kafka_partition"]);
        Assert.Equal("BIGINT", types["kafka_offset"]);
        Assert.True(types.ContainsKey("id"), "the id column comes from the id=<n> folder names");

        using DuckDBCommand command = connection.CreateCommand();
        // Sorted in C#, not by ORDER BY: DuckDB 1.5.6 returns wrong epoch_us values from a sorted result
        // (its compressed materialization optimizer); selecting instants as epoch numbers keeps the host
        // time zone out of the comparison.
        command.CommandText =
            $"SELECT CAST(id AS INTEGER), epoch_us(ts), value, source, key, kafka_partition, kafka_offset, epoch_ms(kafka_timestamp) FROM {source}";
        var read = new List<RawRow>();
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                read.Add(new RawRow(
                    reader.GetInt32(0),
                    DateTime.UnixEpoch.AddTicks(reader.GetInt64(1) * 10),
                    reader.GetDouble(2),
                    reader.IsDBNull(3) ? null : reader.GetString(3),
                    reader.IsDBNull(4) ? null : reader.GetString(4),
                    reader.GetInt32(5),
                    reader.GetInt64(6),
                    DateTime.UnixEpoch.AddMilliseconds(reader.GetInt64(7))));
            }
        }

        read.Sort((a, b) => a.Offset.CompareTo(b.Offset));
        Assert.Equal(rows, read);
    }

    [Fact]
    public async Task WriteAsync_Batch_NamesFilesFromTopicPartitionAndFirstOffset()
    {
        // Arrange
        CancellationToken ct = TestContext.Current.CancellationToken;
        RawEventBatch batch = SinkTestData.ToBatch(SinkTestData.Rows(Partition, FirstOffset, 6, ids: 2));
        WindowAggregate[] windows = [Window(0, id: 1)];

        // Act
        BatchFiles files = await _sut.WriteAsync(Topic, Partition, FirstOffset, batch, windows, ct).WaitAsync(s_timeout, ct);

        // Assert
        Assert.Equal(
            [
                "aggregates/part-events-p3-o00000000000000000042.parquet",
                "events/id=0/part-events-p3-o00000000000000000042.parquet",
                "events/id=1/part-events-p3-o00000000000000000042.parquet",
            ],
            SinkTestData.RelativeFiles(RunDirectory));
        Assert.Equal(
            [Path.Combine(RunDirectory, "events", "id=0", "part-events-p3-o00000000000000000042.parquet"),
             Path.Combine(RunDirectory, "events", "id=1", "part-events-p3-o00000000000000000042.parquet")],
            files.RawFiles.Select(f => f.Path));
        Assert.Equal(Path.Combine(RunDirectory, "aggregates", "part-events-p3-o00000000000000000042.parquet"), files.AggregateFile?.Path);
        Assert.Equal(3, files.FileCount);
    }

    [Fact]
    public async Task WriteAsync_TopicWithUnsafeCharacters_SanitizesFileNames()
    {
        // Arrange
        CancellationToken ct = TestContext.Current.CancellationToken;
        RawEventBatch batch = SinkTestData.ToBatch(SinkTestData.Rows(0, 0, 1));

        // Act
        await _sut.WriteAsync("../we ird/topic", 0, 0, batch, [Window(0, id: 0)], ct).WaitAsync(s_timeout, ct);

        // Assert
        Assert.Equal(
            [
                "aggregates/part-.._we_ird_topic-p0-o00000000000000000000.parquet",
                "events/id=0/part-.._we_ird_topic-p0-o00000000000000000000.parquet",
            ],
            SinkTestData.RelativeFiles(RunDirectory));
    }

    [Fact]
    public async Task WriteAsync_ReplayOfSameBatch_OverwritesWithIdenticalFiles()
    {
        // Arrange: the replay gets the closed windows in another order, as a restored engine might emit them.
        CancellationToken ct = TestContext.Current.CancellationToken;
        List<RawRow> rows = SinkTestData.Rows(Partition, FirstOffset, 25);
        WindowAggregate[] windows = [Window(0, id: 2), Window(0, id: 1), Window(10, id: 0)];
        RawEventBatch first = SinkTestData.ToBatch(rows);
        await _sut.WriteAsync(Topic, Partition, FirstOffset, first, windows, ct).WaitAsync(s_timeout, ct);
        Dictionary<string, byte[]> before = ReadAllFiles();
        RawEventBatch replay = SinkTestData.ToBatch(rows);

        // Act
        await _sut.WriteAsync(Topic, Partition, FirstOffset, replay, [.. windows.Reverse()], ct).WaitAsync(s_timeout, ct);

        // Assert
        Dictionary<string, byte[]> after = ReadAllFiles();
        Assert.Equal(before.Keys.Order(StringComparer.Ordinal), after.Keys.Order(StringComparer.Ordinal));
        Assert.All(before, pair => Assert.Equal(pair.Value, after[pair.Key]));
        Assert.Equal(4, after.Count);
    }

    [Fact]
    public async Task WriteAsync_AfterCommit_LeavesNoTemporaryFiles()
    {
        // Arrange
        CancellationToken ct = TestContext.Current.CancellationToken;
        RawEventBatch batch = SinkTestData.ToBatch(SinkTestData.Rows(Partition, FirstOffset, 20, ids: 5));

        // Act
        await _sut.WriteAsync(Topic, Partition, FirstOffset, batch, [Window(0, id: 1)], ct).WaitAsync(s_timeout, ct);
        await _sut.WriteAsync(Topic, Partition, FirstOffset, batch, [Window(0, id: 1)], ct).WaitAsync(s_timeout, ct);

        // Assert
        List<string> files = SinkTestData.RelativeFiles(RunDirectory);
        Assert.Equal(6, files.Count);
        Assert.All(files, f => Assert.EndsWith(".parquet", f, StringComparison.Ordinal));
        Assert.DoesNotContain(files, f => Path.GetFileName(f).StartsWith('.'));
    }

    [Fact]
    public async Task WriteAsync_MoreRowsThanRowGroupSize_SplitsFileIntoRowGroups()
    {
        // Arrange
        CancellationToken ct = TestContext.Current.CancellationToken;
        var sut = _run.Writer(rowGroupSize: 4);
        List<RawRow> rows = SinkTestData.Rows(Partition, FirstOffset, 10, ids: 1);
        RawEventBatch batch = SinkTestData.ToBatch(rows);
        WindowAggregate[] windows = [.. Enumerable.Range(0, 9).Select(i => Window(10 * i, id: 0))];

        // Act
        BatchFiles files = await sut.WriteAsync(Topic, Partition, FirstOffset, batch, windows, ct).WaitAsync(s_timeout, ct);

        // Assert
        await using (ParquetReader reader = await ParquetReader.CreateAsync(files.RawFiles[0].Path, cancellationToken: ct))
        {
            Assert.Equal(3, reader.RowGroupCount);
        }

        await using (ParquetReader reader = await ParquetReader.CreateAsync(files.AggregateFile!.Value.Path, cancellationToken: ct))
        {
            Assert.Equal(3, reader.RowGroupCount);
        }

        Assert.Equal(rows, await SinkTestData.ReadRawFileAsync(_run.Reader, files.RawFiles[0].Name, ct).WaitAsync(s_timeout, ct));
        Assert.Equal(windows, await ReadAggregatesAsync(files.AggregateFile!.Value, ct).WaitAsync(s_timeout, ct));
    }

    [Fact]
    public async Task WriteAsync_ClosedWindows_WritesAggregatesSortedByWindowThenId()
    {
        // Arrange
        CancellationToken ct = TestContext.Current.CancellationToken;
        WindowAggregate[] windows =
        [
            new(SinkTestData.BaseTime.AddSeconds(10), SinkTestData.BaseTime.AddSeconds(20), 7, 3, 6.0, 1.0, 3.0),
            new(SinkTestData.BaseTime, SinkTestData.BaseTime.AddSeconds(10), 9, 1, -2.5, -2.5, -2.5),
            new(SinkTestData.BaseTime, SinkTestData.BaseTime.AddSeconds(10), 2, 4, 10.0, 0.5, 4.5),
        ];
        var batch = new RawEventBatch();

        // Act
        BatchFiles files = await _sut.WriteAsync(Topic, Partition, FirstOffset, batch, windows, ct).WaitAsync(s_timeout, ct);

        // Assert
        Assert.Empty(files.RawFiles);
        Assert.Equal(3, files.AggregateRows);
        List<WindowAggregate> read = await ReadAggregatesAsync(files.AggregateFile!.Value, ct).WaitAsync(s_timeout, ct);
        Assert.Equal([windows[2], windows[1], windows[0]], read);
    }

    [Fact]
    public async Task WriteAsync_ClosedWindows_DuckDbReadsAggregatesSchemaAndValues()
    {
        // Arrange
        CancellationToken ct = TestContext.Current.CancellationToken;
        WindowAggregate[] windows =
        [
            new(SinkTestData.BaseTime, SinkTestData.BaseTime.AddSeconds(10), 2, 4, 10.0, 0.5, 4.5),
            new(SinkTestData.BaseTime, SinkTestData.BaseTime.AddSeconds(10), 9, 3, 1.0, -2.5, 2.0),
        ];
        var batch = new RawEventBatch();

        // Act
        await _sut.WriteAsync(Topic, Partition, FirstOffset, batch, windows, ct).WaitAsync(s_timeout, ct);

        // Assert
        using var connection = new DuckDBConnection("DataSource=:memory:");
        connection.Open();
        string source = $"read_parquet('{RunDirectory}/aggregates/*.parquet')";
        Dictionary<string, string> types = DescribeColumns(connection, source);
        Assert.Equal(
            ["window_start", "window_end", "id", "count", "sum", "avg_value", "min_value", "max_value"],
            types.Keys);
        Assert.Equal("TIMESTAMP WITH TIME ZONE", types["window_start"]);
        Assert.Equal("TIMESTAMP WITH TIME ZONE", types["window_end"]);
        Assert.Equal("INTEGER", types["id"]);
        Assert.Equal("BIGINT", types["count"]);
        Assert.All(new[] { "sum", "avg_value", "min_value", "max_value" }, c => Assert.Equal("DOUBLE", types[c]));

        using DuckDBCommand command = connection.CreateCommand();
        // No ORDER BY: see WriteAsync_RawBatch_DuckDbReadsHivePartitionedRowsWithTimestampTz. The file is sorted by id here.
        command.CommandText =
            $"SELECT epoch_us(window_start), epoch_us(window_end), id, count, sum, avg_value, min_value, max_value FROM {source}";
        var read = new List<(WindowAggregate Window, double Average)>();
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                var window = new WindowAggregate(
                    DateTime.UnixEpoch.AddTicks(reader.GetInt64(0) * 10),
                    DateTime.UnixEpoch.AddTicks(reader.GetInt64(1) * 10),
                    reader.GetInt32(2),
                    reader.GetInt64(3),
                    reader.GetDouble(4),
                    reader.GetDouble(6),
                    reader.GetDouble(7));
                read.Add((window, reader.GetDouble(5)));
            }
        }

        Assert.Equal(windows, read.Select(r => r.Window));
        Assert.All(read, r => Assert.Equal(r.Window.Average, r.Average, 1e-12));
    }

    [Fact]
    public async Task WriteIdleWindowsAsync_ThenBatchAtSameOffset_KeepsBothAggregateFiles()
    {
        // Arrange: the partition idles at offset 42, the clock closes a window, then records arrive from 42 on.
        CancellationToken ct = TestContext.Current.CancellationToken;
        DateTime watermark = SinkTestData.BaseTime.AddSeconds(40);
        WindowAggregate idleWindow = Window(0, id: 1);
        WindowAggregate laterWindow = Window(10, id: 1);
        RawEventBatch batch = SinkTestData.ToBatch(SinkTestData.Rows(Partition, FirstOffset, 2, ids: 1));

        // Act
        BatchFiles idle = await _sut.WriteIdleWindowsAsync(Topic, Partition, FirstOffset, watermark, [idleWindow], ct).WaitAsync(s_timeout, ct);
        BatchFiles next = await _sut.WriteAsync(Topic, Partition, FirstOffset, batch, [laterWindow], ct).WaitAsync(s_timeout, ct);

        // Assert
        Assert.Equal(
            [
                "aggregates/part-events-p3-o00000000000000000042-w20250301T1200400000000Z.parquet",
                "aggregates/part-events-p3-o00000000000000000042.parquet",
                "events/id=0/part-events-p3-o00000000000000000042.parquet",
            ],
            SinkTestData.RelativeFiles(RunDirectory));
        Assert.Empty(idle.RawFiles);
        Assert.Equal([idleWindow], await ReadAggregatesAsync(idle.AggregateFile!.Value, ct).WaitAsync(s_timeout, ct));
        Assert.Equal([laterWindow], await ReadAggregatesAsync(next.AggregateFile!.Value, ct).WaitAsync(s_timeout, ct));
    }

    [Fact]
    public async Task WriteIdleWindowsAsync_NoClosedWindows_WritesNothing()
    {
        // Arrange
        CancellationToken ct = TestContext.Current.CancellationToken;

        // Act
        BatchFiles files = await _sut.WriteIdleWindowsAsync(Topic, Partition, FirstOffset, SinkTestData.BaseTime, [], ct).WaitAsync(s_timeout, ct);

        // Assert
        Assert.Equal(0, files.FileCount);
        Assert.Empty(SinkTestData.RelativeFiles(_output.Path));
    }

    [Fact]
    public async Task WriteAsync_NoClosedWindows_WritesNoAggregatesFile()
    {
        // Arrange
        CancellationToken ct = TestContext.Current.CancellationToken;
        RawEventBatch batch = SinkTestData.ToBatch(SinkTestData.Rows(Partition, FirstOffset, 3));

        // Act
        BatchFiles files = await _sut.WriteAsync(Topic, Partition, FirstOffset, batch, [], ct).WaitAsync(s_timeout, ct);

        // Assert
        Assert.Null(files.AggregateFile);
        Assert.False(Directory.Exists(Path.Combine(RunDirectory, "aggregates")));
    }

    [Fact]
    public async Task WriteAsync_EmptyBatch_WritesNothing()
    {
        // Arrange
        CancellationToken ct = TestContext.Current.CancellationToken;
        var batch = new RawEventBatch();

        // Act
        BatchFiles files = await _sut.WriteAsync(Topic, Partition, FirstOffset, batch, [], ct).WaitAsync(s_timeout, ct);

        // Assert
        Assert.Equal(0, files.FileCount);
        Assert.Empty(SinkTestData.RelativeFiles(_output.Path));
    }

    [Fact]
    public async Task WriteAsync_OffsetBelowFirstOffset_ThrowsWithoutWriting()
    {
        // Arrange
        CancellationToken ct = TestContext.Current.CancellationToken;
        RawEventBatch batch = SinkTestData.ToBatch(SinkTestData.Rows(Partition, FirstOffset - 1, 3));

        // Act
        Task write = _sut.WriteAsync(Topic, Partition, FirstOffset, batch, [], ct);

        // Assert
        await Assert.ThrowsAsync<ArgumentException>(() => write.WaitAsync(s_timeout, ct));
        Assert.Empty(SinkTestData.RelativeFiles(_output.Path));
    }

    private static WindowAggregate Window(int startSecond, int id) =>
        new(SinkTestData.BaseTime.AddSeconds(startSecond), SinkTestData.BaseTime.AddSeconds(startSecond + 10), id, 2 + id, 3.5 * id, -1.0, 2.0 + id);

    private static void AssertUtcTimestamp(DataField field, DateTimeTimeUnit unit)
    {
        DateTimeDataField timestamp = Assert.IsType<DateTimeDataField>(field);
        Assert.Equal(DateTimeFormat.Timestamp, timestamp.DateTimeFormat);
        Assert.True(timestamp.IsAdjustedToUTC);
        Assert.Equal(unit, timestamp.Unit);
        Assert.False(timestamp.IsNullable);
    }

    private static Dictionary<string, string> DescribeColumns(DuckDBConnection connection, string source)
    {
        using DuckDBCommand command = connection.CreateCommand();
        command.CommandText = $"DESCRIBE SELECT * FROM {source}";
        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            types.Add(reader.GetString(0), reader.GetString(1));
        }

        return types;
    }

    /// <summary>
    /// The windows of an aggregates file as the run's reader reads them, after checking that its <c>avg_value</c>
    /// column (which the reader derives instead) holds exactly each window's average.
    /// </summary>
    private async Task<List<WindowAggregate>> ReadAggregatesAsync(WrittenFile file, CancellationToken ct)
    {
        var windows = new List<WindowAggregate>();
        await foreach (WindowAggregate window in _run.Reader.ReadAggregateFileAsync(file.Name, ct))
        {
            windows.Add(window);
        }

        var averages = new List<double>();
        await using ParquetReader reader = await ParquetReader.CreateAsync(file.Path, cancellationToken: ct);
        DataField average = Array.Find(reader.Schema.DataFields, f => f.Name == ClosedWindow.Columns.Average)!;
        for (int g = 0; g < reader.RowGroupCount; g++)
        {
            using ParquetRowGroupReader rowGroup = reader.OpenRowGroupReader(g);
            var column = new double[checked((int)rowGroup.RowCount)];
            await rowGroup.ReadAsync<double>(average, column, cancellationToken: ct);
            averages.AddRange(column);
        }

        Assert.Equal(windows.Select(static w => w.Average), averages);
        return windows;
    }

    private Dictionary<string, byte[]> ReadAllFiles()
    {
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (string relative in SinkTestData.RelativeFiles(RunDirectory))
        {
            files.Add(relative, File.ReadAllBytes(Path.Combine(RunDirectory, relative)));
        }

        return files;
    }
}
