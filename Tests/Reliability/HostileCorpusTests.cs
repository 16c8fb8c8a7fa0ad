using System.Globalization;
using System.Text;
using Confluent.Kafka;
using DuckDB.NET.Data;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.StreamProcessor.Ingest;
using Pipeline.StreamProcessor.Kafka;

namespace Pipeline.Tests.Reliability;

/// <summary>
/// A corpus of hostile messages, each between two valid events, through the embedded broker and the real
/// StreamProcessor host: every bad message lands in the dead-letter topic with its exact reason and its
/// original bytes and key, every valid event lands in Parquet exactly once with its values, and the
/// processor keeps going afterwards.
/// </summary>
public sealed class HostileCorpusTests() : BrokerRunTest("hostile")
{
    private const string RunId = "hostile";
    private const string Ts = "2026-01-01T00:00:00Z";
    private const string ValidBody = """{"id":1,"ts":"2026-01-01T00:00:00Z","value":1.5,"source":"s"}""";
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(90);
    private static readonly DateTime s_start = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);


    [Fact]
    public async Task Processor_HostileCorpusBetweenValidEvents_DeadLettersEachWithItsReasonAndKeepsEveryValidEvent()
    {
        // Arrange: one partition, so "between" and "after" are offsets; a valid event before every bad one,
        // and a tail of valid events after the whole corpus.
        await PipelineTestKit.CreateTopicAsync(Broker.BootstrapServers, Topic, partitions: 1);
        var bad = BadCorpus();
        var input = new List<Input>();
        var validCount = 0;
        foreach (var hostile in bad)
        {
            input.Add(Valid(validCount++));
            input.Add(hostile);
        }

        foreach (var extra in ValidVariants(validCount))
        {
            input.Add(extra);
            validCount++;
        }

        for (var i = 0; i < 50; i++)
        {
            input.Add(Valid(validCount++));
        }

        var offsets = Produce(input);
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{bad.Count} bad inputs tried, between {input.Count - bad.Count} valid events ({input.Count} messages).");

        // Act: run the processor over the corpus, then give it fresh valid events to prove it is still alive.
        var later = Enumerable.Range(validCount, 20).Select(Valid).ToList();
        await using (var processor = ServiceHosts.BuildStreamProcessor(Root, ProcessorSettings(RunId)))
        {
            await processor.StartAsync(TestContext.Current.CancellationToken);
            await PipelineTestKit.WaitForCompleteOutputAsync(OutputPath, RunId, Broker.BootstrapServers, Topic, 1, s_timeout, input.Count);

            // Every window closed by now (the idle partition's watermark follows the clock), so the later
            // events may be late: check the aggregates against the raw rows before they arrive.
            AssertAggregatesMatchRawRows();
            input.AddRange(later);
            offsets = [.. offsets, .. Produce(later)];
            await PipelineTestKit.WaitForCompleteOutputAsync(OutputPath, RunId, Broker.BootstrapServers, Topic, 1, s_timeout, input.Count);

            var worker = processor.Services.GetRequiredService<StreamProcessorWorker>();
            Assert.False(worker.ExecuteTask?.IsCompleted ?? true, $"The worker stopped: {worker.ExecuteTask?.Exception}");
            await processor.StopAsync(TestContext.Current.CancellationToken);
        }

        // Assert: the dead-letter topic holds exactly the corpus, each with its reason, bytes, key and origin.
        var expectedBad = new Dictionary<long, Input>();
        var expectedValid = new Dictionary<long, Input>();
        for (var i = 0; i < input.Count; i++)
        {
            (input[i].Reason is null ? expectedValid : expectedBad)[offsets[i]] = input[i];
        }

        var deadLetters = PipelineTestKit.ReadAll(Broker.BootstrapServers, Topic + ".dlq",
            PipelineTestKit.CountPartitions(Broker.BootstrapServers, Topic + ".dlq"), s_timeout);
        Assert.Equal(bad.Count, deadLetters.Count);
        var seen = new HashSet<long>();
        foreach (var letter in deadLetters)
        {
            var headers = letter.Message.Headers;
            var offset = long.Parse(PipelineTestKit.HeaderText(headers, ResultPublisher.OffsetHeader), CultureInfo.InvariantCulture);
            Assert.True(seen.Add(offset), $"Offset {offset} dead-lettered twice.");
            Assert.True(expectedBad.TryGetValue(offset, out var expected), $"Offset {offset} ({ValidAt(expectedValid, offset)}) was dead-lettered.");
            Assert.True(expected.Reason == PipelineTestKit.HeaderText(headers, ResultPublisher.ReasonHeader),
                $"{expected.Name}: reason '{PipelineTestKit.HeaderText(headers, ResultPublisher.ReasonHeader)}', expected '{expected.Reason}' " +
                $"({PipelineTestKit.HeaderText(headers, ResultPublisher.DetailHeader)})");
            Assert.False(string.IsNullOrWhiteSpace(PipelineTestKit.HeaderText(headers, ResultPublisher.DetailHeader)), expected.Name);
            Assert.Equal(Topic, PipelineTestKit.HeaderText(headers, ResultPublisher.TopicHeader));
            Assert.Equal("0", PipelineTestKit.HeaderText(headers, ResultPublisher.PartitionHeader));
            var original = expected.Value ?? [];
            if (original.Length > 1_000_000 - 1024)
            {
                // Too large for the dead-letter producer's message.max.bytes with the headers: a prefix and the size.
                Assert.Equal(original.Length.ToString(CultureInfo.InvariantCulture), PipelineTestKit.HeaderText(headers, ResultPublisher.OriginalSizeHeader));
                original = original[..ResultPublisher.TruncatedValueBytes];
            }
            else
            {
                Assert.False(headers.TryGetLastBytes(ResultPublisher.OriginalSizeHeader, out _), expected.Name);
            }

            Assert.True(original.AsSpan().SequenceEqual(letter.Message.Value), $"{expected.Name}: the dead letter's value differs from the original.");
            Assert.True(KeyAsProcessorSeesIt(expected.Key).AsSpan().SequenceEqual(letter.Message.Key), $"{expected.Name}: the dead letter's key differs.");
        }

        // Assert: every valid event exactly once, with its values, read by DuckDB.
        var rows = ReadRows(TestRun.Local(OutputPath, RunId).Directory, out var rowCount);
        Assert.Equal(expectedValid.Count, rowCount);
        foreach (var (offset, expected) in expectedValid)
        {
            Assert.True(rows.TryGetValue(offset, out var row), $"{expected.Name} at offset {offset} missing from Parquet.");
            Assert.Equal(expected.Event, row);
        }
    }

    /// <summary>Each window written once, equal to the one DuckDB recomputes from the raw rows.</summary>
    private void AssertAggregatesMatchRawRows()
    {
        using var oracle = new DuckDbOracle(TestRun.Local(OutputPath, RunId).Directory);
        var aggregates = oracle.ReadAggregates(out var aggregateRows);
        var recomputed = oracle.RecomputeWindows(1000);
        Assert.Equal(recomputed.Count, aggregateRows);
        Assert.Equal(recomputed.Keys.Order(), aggregates.Keys.Order());
        foreach (var (key, window) in recomputed)
        {
            var actual = aggregates[key];
            Assert.Equal((window.Count, window.Min, window.Max), (actual.Count, actual.Min, actual.Max));
            Assert.Equal(window.Sum, actual.Sum, PipelineTestKit.SumTolerance);
        }
    }

    /// <summary>The hostile corpus: (name, key, value, exact reason).</summary>
    private static List<Input> BadCorpus()
    {
        var corpus = new List<Input>();
        void Add(string name, string json, string reason) => corpus.Add(new Input(name, "7", Encoding.UTF8.GetBytes(json), reason, default));
        void AddBytes(string name, byte[] bytes, string reason) => corpus.Add(new Input(name, "7", bytes, reason, default));
        static string Event(string id = "1", string ts = $"\"{Ts}\"", string value = "1.5", string source = "\"s\"") =>
            $$"""{"id":{{id}},"ts":{{ts}},"value":{{value}},"source":{{source}}}""";

        // Truncated JSON: every proper prefix of a valid event.
        for (var length = 1; length < ValidBody.Length; length++)
        {
            Add($"truncated to {length}", ValidBody[..length], RejectReasons.MalformedJson);
        }

        // Not one JSON object.
        foreach (var text in new[] { "not json", "   ", "[]", "\"text\"", "42", "null", "true", ValidBody + " x", ValidBody + ValidBody, "{,}", "{\"id\" 1}" })
        {
            Add($"not an object: {text}", text, RejectReasons.MalformedJson);
        }

        // Wrong types, each field.
        foreach (var id in new[] { "\"1\"", "true", "false", "null", "{}", "[1]", "\"NaN\"" })
        {
            Add($"id {id}", Event(id: id), RejectReasons.BadTypeId);
        }

        foreach (var ts in new[] { "1767225600", "1767225600000", "true", "null", "{}", "[]" })
        {
            Add($"ts {ts}", Event(ts: ts), RejectReasons.BadTypeTimestamp);
        }

        foreach (var value in new[] { "\"1.5\"", "true", "null", "{}", "[1.5]", "\"NaN\"", "\"Infinity\"", "\"-Infinity\"" })
        {
            Add($"value {value}", Event(value: value), RejectReasons.BadTypeValue);
        }

        foreach (var source in new[] { "5", "true", "{}", "[\"s\"]" })
        {
            Add($"source {source}", Event(source: source), RejectReasons.BadTypeSource);
        }

        // Huge numbers and numbers that are not ids.
        Add("value 1e400", Event(value: "1e400"), RejectReasons.ValueNotFinite);
        Add("value -1e400", Event(value: "-1e400"), RejectReasons.ValueNotFinite);
        foreach (var id in new[] { "99999999999999999999", "1e400", "2147483648", "-1", "1.5", "-0.5", "1e10" })
        {
            Add($"id {id}", Event(id: id), RejectReasons.IdOutOfRange);
        }

        // NaN and Infinity literals are not JSON.
        foreach (var literal in new[] { "NaN", "Infinity", "-Infinity", "+1" })
        {
            Add($"value {literal}", Event(value: literal), RejectReasons.MalformedJson);
        }

        Add("id NaN", Event(id: "NaN"), RejectReasons.MalformedJson);

        // Bytes that are not UTF-8.
        var prefix = Encoding.UTF8.GetBytes("""{"id":1,"ts":"2026-01-01T00:00:00Z","value":1.5,"source":" """.TrimEnd());
        var suffix = Encoding.UTF8.GetBytes("\"}");
        AddBytes("source C3 28", [.. prefix, 0xC3, 0x28, .. suffix], RejectReasons.InvalidUtf8);
        AddBytes("source FF", [.. prefix, 0xFF, .. suffix], RejectReasons.InvalidUtf8);
        AddBytes("source latin-1 E9", [.. prefix, 0xE9, .. suffix], RejectReasons.InvalidUtf8);
        AddBytes("overlong C0 AF", [.. prefix, 0xC0, 0xAF, .. suffix], RejectReasons.InvalidUtf8);
        AddBytes("encoded surrogate ED A0 80", [.. prefix, 0xED, 0xA0, 0x80, .. suffix], RejectReasons.InvalidUtf8);
        AddBytes("lone FF", [0xFF], RejectReasons.InvalidUtf8);
        AddBytes("UTF-16 with BOM", Encoding.Unicode.GetPreamble().Concat(Encoding.Unicode.GetBytes(ValidBody)).ToArray(), RejectReasons.InvalidUtf8);
        AddBytes("UTF-16 without BOM (NUL bytes)", Encoding.Unicode.GetBytes(ValidBody), RejectReasons.MalformedJson);
        AddBytes("UTF-8 BOM", [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(ValidBody)], RejectReasons.MalformedJson);
        Add("escaped lone high surrogate in source", Event(source: "\"\\uD800\""), RejectReasons.MalformedJson);
        Add("escaped lone low surrogate in a field name", """{"i\uDC00d":1,"id":1,"ts":"2026-01-01T00:00:00Z","value":1}""", RejectReasons.MalformedJson);

        // Deep nesting (10,000 levels).
        const int Levels = 10_000;
        Add("10,000 nested arrays in an unknown field", $"{ValidBody[..^1]},\"x\":{new string('[', Levels)}{new string(']', Levels)}}}", RejectReasons.TooDeep);
        Add("10,000 nested objects in an unknown field",
            $"{ValidBody[..^1]},\"x\":{string.Concat(Enumerable.Repeat("{\"a\":", Levels))}1{new string('}', Levels)}}}", RejectReasons.TooDeep);
        Add("10,000 unclosed arrays", $"{ValidBody[..^1]},\"x\":{new string('[', Levels)}", RejectReasons.TooDeep);
        Add("10,000 nested arrays as the id", Event(id: new string('[', Levels) + new string(']', Levels)), RejectReasons.BadTypeId);
        Add("10,000 nested arrays as the message", new string('[', Levels) + new string(']', Levels), RejectReasons.MalformedJson);

        // Too large: past the decoder's limit (64 KiB), and a megabyte-long string.
        Add("70,000-character source", Event(source: $"\"{new string('x', 70_000)}\""), RejectReasons.TooLarge);
        Add("1,000,000-character source", Event(source: $"\"{new string('x', 1_000_000)}\""), RejectReasons.TooLarge);

        // Duplicate keys, each field (also with equal values).
        Add("duplicate id", """{"id":1,"id":2,"ts":"2026-01-01T00:00:00Z","value":1.5}""", RejectReasons.DuplicateId);
        Add("duplicate id, same value", """{"id":1,"ts":"2026-01-01T00:00:00Z","value":1.5,"id":1}""", RejectReasons.DuplicateId);
        Add("duplicate ts", """{"id":1,"ts":"2026-01-01T00:00:00Z","ts":"2026-01-01T00:00:01Z","value":1.5}""", RejectReasons.DuplicateTimestamp);
        Add("duplicate value", """{"id":1,"ts":"2026-01-01T00:00:00Z","value":1.5,"value":2.5}""", RejectReasons.DuplicateValue);
        Add("duplicate source", """{"id":1,"ts":"2026-01-01T00:00:00Z","value":1.5,"source":"a","source":null}""", RejectReasons.DuplicateSource);

        // Missing fields, each required field (names are case-sensitive).
        Add("missing id", """{"ts":"2026-01-01T00:00:00Z","value":1.5,"source":"s"}""", RejectReasons.MissingId);
        Add("ID instead of id", """{"ID":1,"ts":"2026-01-01T00:00:00Z","value":1.5}""", RejectReasons.MissingId);
        Add("empty object", "{}", RejectReasons.MissingId);
        Add("missing ts", """{"id":1,"value":1.5,"source":"s"}""", RejectReasons.MissingTimestamp);
        Add("missing value", """{"id":1,"ts":"2026-01-01T00:00:00Z","source":"s"}""", RejectReasons.MissingValue);

        // Empty and null values, also with a null key.
        AddBytes("empty value", [], RejectReasons.Empty);
        corpus.Add(new Input("null value", "7", null, RejectReasons.Empty, default));
        corpus.Add(new Input("null value, null key", null, null, RejectReasons.Empty, default));
        corpus.Add(new Input("bad value, null key", null, Encoding.UTF8.GetBytes("{"), RejectReasons.MalformedJson, default));

        // Timestamps: out of the plausible range, unrepresentable, or not ISO-8601 with a zone.
        foreach (var ts in new[] { "0001-01-01T00:00:00Z", "1900-01-01T00:00:00Z", "1999-12-31T23:59:59.999Z", "2100-01-01T00:00:00.001Z", "9999-12-31T23:59:59Z", "9999-12-31T23:59:59.9999999Z" })
        {
            Add($"ts {ts}", Event(ts: $"\"{ts}\""), RejectReasons.TimestampOutOfRange);
        }

        foreach (var ts in new[] { "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", "2026-01-01T00:00:00", "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z", "10000-01-01T00:00:00Z", "yesterday", "" })
        {
            Add($"ts '{ts}'", Event(ts: $"\"{ts}\""), RejectReasons.BadTimestamp);
        }

        return corpus;
    }

    /// <summary>Valid events in unusual shapes: unknown fields (DESIGN: skipped), null key, escapes, zones.</summary>
    private static IEnumerable<Input> ValidVariants(int first)
    {
        var n = first;
        Input Variant(string name, string? key, string json, int id, DateTime ts, double value, string? source) =>
            new(name, key, Encoding.UTF8.GetBytes(json), null, new Row(id, ts, value, source));

        var ts = Timestamp(n);
        yield return Variant("unknown fields", "3", $$"""{"id":3,"extra":1,"ts":"{{Iso(ts)}}","nested":{"a":[1,{"b":null}]},"value":-2.5,"ID":9,"Value":"x"}""", 3, ts, -2.5, null);
        ts = Timestamp(++n);
        yield return Variant("null key", null, $$"""{"id":4,"ts":"{{Iso(ts)}}","value":4.25,"source":"no-key"}""", 4, ts, 4.25, "no-key");
        ts = Timestamp(++n);
        yield return Variant("escaped and unicode source", "5", $$"""{"id":5,"ts":"{{Iso(ts)}}","value":0,"source":"\"é\u4E2D\uD83D\uDE00\n\\"}""", 5, ts, 0, "\"é中😀\n\\");
        ts = Timestamp(++n);
        yield return Variant("offset zone, escaped '+'", "6", $$"""{"ts":"{{ts.AddHours(2):yyyy-MM-ddTHH:mm:ss.fff}}\u002B02:00","value":1e-3,"id":6}""", 6, ts, 1e-3, null);
        ts = Timestamp(++n);
        yield return Variant("explicit null source, id 2.0, whitespace", "8", $$""" { "id" : 2.0 , "ts" : "{{Iso(ts)}}" , "value" : 8E2 , "source" : null } """, 2, ts, 800, null);
    }

    private static Input Valid(int n)
    {
        var id = n % 10;
        var ts = Timestamp(n);
        var value = (n * 0.5) - 7.25;
        var source = (n % 3) switch { 0 => "sim-producer", 1 => null, _ => "s-" + n.ToString(CultureInfo.InvariantCulture) };
        var json = source is null
            ? $$"""{"id":{{id}},"ts":"{{Iso(ts)}}","value":{{value.ToString("R", CultureInfo.InvariantCulture)}}}"""
            : $$"""{"id":{{id}},"ts":"{{Iso(ts)}}","value":{{value.ToString("R", CultureInfo.InvariantCulture)}},"source":"{{source}}"}""";
        return new Input($"valid #{n}", id.ToString(CultureInfo.InvariantCulture), Encoding.UTF8.GetBytes(json), null, new Row(id, ts, value, source));
    }

    /// <summary>Event times 10 ms apart, in order: no valid event is late.</summary>
    private static DateTime Timestamp(int n) => s_start.AddMilliseconds(n * 10);

    private static string Iso(DateTime utc) => utc.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>Produces in order with a producer that accepts up to the broker's limit; returns each offset.</summary>
    private long[] Produce(IReadOnlyList<Input> messages)
    {
        var offsets = new long[messages.Count];
        using var producer = new ProducerBuilder<byte[]?, byte[]?>(new ProducerConfig
        {
            BootstrapServers = Broker.BootstrapServers,
            EnableIdempotence = true,
            Acks = Acks.All,
            MessageMaxBytes = 1_048_588, // Kafka's default limit, so the megabyte message reaches the topic
        }).Build();
        for (var i = 0; i < messages.Count; i++)
        {
            var index = i;
            var key = messages[i].Key is { } text ? Encoding.UTF8.GetBytes(text) : null;
            producer.Produce(Topic, new Message<byte[]?, byte[]?> { Key = key, Value = messages[i].Value }, report =>
            {
                Assert.False(report.Error.IsError, $"{messages[index].Name}: {report.Error.Reason}");
                offsets[index] = report.Offset.Value;
            });
        }

        Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));
        return offsets;
    }

    private static byte[]? KeyAsProcessorSeesIt(string? key) => key is null ? null : Encoding.UTF8.GetBytes(key);

    private static string ValidAt(Dictionary<long, Input> valid, long offset) =>
        valid.TryGetValue(offset, out var input) ? input.Name : "not in the input";

    /// <summary>Every raw row by offset, read by DuckDB (event time to the microsecond, as stored).</summary>
    private static Dictionary<long, Row> ReadRows(string runDirectory, out long rowCount)
    {
        using var connection = new DuckDBConnection("DataSource=:memory:");
        connection.Open();
        using var command = connection.CreateCommand();
        var glob = Path.Combine(runDirectory, "events", "**", "*.parquet").Replace('\\', '/');
        command.CommandText = $"SELECT kafka_offset, CAST(id AS INTEGER), epoch_us(ts), value, source FROM read_parquet('{glob}', hive_partitioning = true)";
        using var reader = command.ExecuteReader();
        var rows = new Dictionary<long, Row>();
        rowCount = 0;
        while (reader.Read())
        {
            rowCount++;
            var ts = DateTime.UnixEpoch.AddTicks(reader.GetInt64(2) * 10);
            rows[reader.GetInt64(0)] = new Row(reader.GetInt32(1), ts, reader.GetDouble(3), reader.IsDBNull(4) ? null : reader.GetString(4));
        }

        return rows;
    }

    /// <summary>One input message: a bad one has a <paramref name="Reason"/>, a valid one the <paramref name="Event"/> expected in Parquet.</summary>
    private sealed record Input(string Name, string? Key, byte[]? Value, string? Reason, Row Event);

    private readonly record struct Row(int Id, DateTime Timestamp, double Value, string? Source);
}
