using Pipeline.StreamProcessor.Ingest;
using Pipeline.StreamProcessor.Sinks;

namespace Pipeline.Tests.Sinks;

public sealed class RawEventBatchTests
{
    private readonly RawEventBatch _sut = new();

    [Fact]
    public void Add_EventsOfSeveralIds_KeepsEachIdsRowsInArrivalOrder()
    {
        // Arrange
        List<RawRow> rows = SinkTestData.Rows(partition: 0, firstOffset: 10, count: 9, ids: 3);

        // Act
        foreach (RawRow row in rows)
        {
            _sut.Add(new SensorEvent(row.Id, row.Timestamp, row.Value, row.Source), row.Key, row.Offset, row.KafkaTimestamp);
        }

        // Assert
        Assert.Equal(9, _sut.Count);
        Assert.Equal(3, _sut.IdCount);
        Assert.Equal(10, _sut.MinOffset);
        foreach (RawEventColumns columns in _sut.Columns)
        {
            List<RawRow> expected = rows.FindAll(r => r.Id == columns.Id);
            Assert.Equal(expected.Select(r => r.Offset), columns.Offsets.ToArray());
            Assert.Equal(expected.Select(r => r.Timestamp), columns.Timestamps.ToArray());
            Assert.Equal(expected.Select(r => r.Value), columns.Values.ToArray());
            Assert.Equal(expected.Select(r => r.Source), columns.Sources.ToArray().Select(s => s?.ToString()));
            Assert.Equal(expected.Select(r => r.Key), columns.Keys.ToArray().Select(k => k?.ToString()));
            Assert.Equal(expected.Select(r => r.KafkaTimestamp), columns.KafkaTimestamps.ToArray());
        }
    }

    [Fact]
    public void SizedLike_TheNextBatchTakesAsManyRowsPerIdWithoutGrowing()
    {
        // Arrange: a sealed batch of 1,000 rows of one id and 300 of another, and the batch that follows it.
        var model = new RawEventBatch();
        AddRows(model, id: 1, count: 1000);
        AddRows(model, id: 2, count: 300);
        var next = RawEventBatch.SizedLike(model);

        // Act: the first row of each id, then the rest.
        AddRows(next, id: 1, count: 1);
        AddRows(next, id: 2, count: 1);
        var arraysAfterFirstRow = next.Columns.ToDictionary(static c => c.Id, static c => ArrayOf(c.Offsets));
        AddRows(next, id: 1, count: 999);
        AddRows(next, id: 2, count: 299);

        // Assert: every id's rows went into the arrays it started with (a fresh batch regrows from 256 rows).
        Assert.Equal(1300, next.Count);
        foreach (RawEventColumns columns in next.Columns)
        {
            Assert.Same(arraysAfterFirstRow[columns.Id], ArrayOf(columns.Offsets));
        }
    }

    private static void AddRows(RawEventBatch batch, int id, int count)
    {
        for (var i = 0; i < count; i++)
        {
            batch.Add(new SensorEvent(id, SinkTestData.BaseTime, i, "s"), "k", batch.Count, SinkTestData.BaseTime);
        }
    }

    private static long[] ArrayOf(ReadOnlyMemory<long> column) =>
        System.Runtime.InteropServices.MemoryMarshal.TryGetArray(column, out var segment) ? segment.Array! : throw new InvalidOperationException("not an array");

    [Fact]
    public void Add_BeyondInitialCapacity_KeepsEveryRow()
    {
        // Arrange
        List<RawRow> rows = SinkTestData.Rows(partition: 0, firstOffset: 0, count: 5_000, ids: 1);

        // Act
        foreach (RawRow row in rows)
        {
            _sut.Add(new SensorEvent(row.Id, row.Timestamp, row.Value, row.Source), row.Key, row.Offset, row.KafkaTimestamp);
        }

        // Assert
        RawEventColumns columns = Assert.Single(_sut.Columns);
        Assert.Equal(5_000, columns.Count);
        Assert.Equal(rows.Select(r => r.Offset), columns.Offsets.ToArray());
        Assert.Equal(rows.Select(r => r.Value), columns.Values.ToArray());
    }

    [Fact]
    public void Clear_AfterBatch_EmptiesItForTheNextBatch()
    {
        // Arrange
        foreach (RawRow row in SinkTestData.Rows(partition: 0, firstOffset: 0, count: 6, ids: 2))
        {
            _sut.Add(new SensorEvent(row.Id, row.Timestamp, row.Value, row.Source), row.Key, row.Offset, row.KafkaTimestamp);
        }

        // Act
        _sut.Clear();
        _sut.Add(new SensorEvent(5, SinkTestData.BaseTime, 1.0, "s"), "5", 100, SinkTestData.BaseTime);

        // Assert
        Assert.Equal(1, _sut.Count);
        Assert.Equal(100, _sut.MinOffset);
        RawEventColumns columns = Assert.Single(_sut.Columns);
        Assert.Equal(5, columns.Id);
        Assert.Equal([100L], columns.Offsets.ToArray());
        Assert.Equal("s", columns.Sources[0]);
    }

    [Fact]
    public void Clear_EmptyBatch_HasNoRowsAndNoMinimum()
    {
        // Arrange
        _sut.Add(new SensorEvent(1, SinkTestData.BaseTime, 1.0, null), null, 7, SinkTestData.BaseTime);

        // Act
        _sut.Clear();

        // Assert
        Assert.Equal(0, _sut.Count);
        Assert.Equal(0, _sut.IdCount);
        Assert.Null(_sut.MinOffset);
        Assert.Empty(_sut.Columns);
    }
}
