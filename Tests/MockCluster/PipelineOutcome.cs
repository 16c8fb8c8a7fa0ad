using System.Globalization;
using System.Text.Json;
using Pipeline.StreamProcessor.Contracts;

namespace Pipeline.Tests.MockCluster;

/// <summary>
/// What a mock-cluster run produced, compared with its input as the topic holds it: every valid event of <c>ev</c>
/// exactly once in Parquet (by partition and offset, read by DuckDB), every window equal to the one recomputed here
/// from the topic's events (in Parquet once; in <c>ev.windows</c> at least once, each copy equal), every malformed
/// event exactly once in <c>ev.dlq</c>. The numbers are printed whether or not the run is exact.
/// </summary>
internal sealed record PipelineOutcome(
    long InputMessages,
    int ValidEvents,
    long Rows,
    int DistinctRows,
    int MissingRows,
    int WindowsChecked,
    int BadWindows,
    int ShortWindows,
    long AggregateRows,
    int TopicWindows,
    int DistinctTopicWindows,
    int BadTopicWindows,
    int ExpectedDeadLetters,
    int DeadLetters,
    int DistinctDeadLetters,
    long LateEvents,
    string Examples)
{
    public static PipelineOutcome Read(string bootstrapServers, string runDirectory, int malformed, long lateEvents)
    {
        var timeout = TimeSpan.FromSeconds(60);
        var input = PipelineTestKit.ReadAll(bootstrapServers, MockPipelineRun.Topic, MockPipelineRun.Partitions, timeout);
        var events = new Dictionary<(int, long), (int Id, double Value, long Ms)>();
        foreach (var message in input)
        {
            if (TryParseValid(message.Message.Value, out var parsed))
            {
                events[(message.Partition.Value, message.Offset.Value)] = parsed;
            }
        }

        var expected = events.Values
            .GroupBy(e => (StartMs: e.Ms - (e.Ms % MockPipelineRun.WindowMs), e.Id))
            .ToDictionary(g => g.Key, g => new WindowRow(g.LongCount(), g.Sum(e => e.Value), g.Min(e => e.Value), g.Max(e => e.Value), g.Average(e => e.Value)));

        using var oracle = new DuckDbOracle(runDirectory);
        var hasFiles = Directory.Exists(runDirectory) && Directory.EnumerateFiles(runDirectory, "*.parquet", SearchOption.AllDirectories).Any();
        long rows = 0;
        long aggregateRows = 0;
        var written = hasFiles ? oracle.ReadEvents(out rows) : [];
        var aggregates = hasFiles ? oracle.ReadAggregates(out aggregateRows) : [];
        var missingRows = events.Keys.Count(k => !written.TryGetValue(k, out var row) || row.Id != events[k].Id || row.Value != events[k].Value);
        var badWindows = expected.Where(w => !aggregates.TryGetValue(w.Key, out var actual) || !Same(w.Value, actual))
            .Select(w => w.Key).Concat(aggregates.Keys.Where(k => !expected.ContainsKey(k))).ToList();
        var shortWindows = expected.Count(w => aggregates.TryGetValue(w.Key, out var actual) && actual.Count < w.Value.Count);

        var topicWindows = PipelineTestKit.ReadAll(bootstrapServers, MockPipelineRun.WindowsTopic, MockPipelineRun.Partitions, timeout)
            .Select(m => JsonSerializer.Deserialize(m.Message.Value, ClosedWindowJsonContext.Default.ClosedWindow)!)
            .ToList();
        var topicByKey = topicWindows.GroupBy(w => (StartMs: new DateTimeOffset(w.WindowStart, TimeSpan.Zero).ToUnixTimeMilliseconds(), w.Id)).ToList();
        var badTopicWindows = topicByKey.Count(g => !expected.TryGetValue(g.Key, out var e) ||
            g.Any(w => !Same(e, new WindowRow(w.Count, w.Sum, w.Min, w.Max, w.Average)))) + expected.Keys.Count(k => topicByKey.All(g => g.Key != k));

        var deadLetters = PipelineTestKit.ReadAll(bootstrapServers, MockPipelineRun.DeadLetterTopic, 1, timeout);
        var distinctDeadLetters = deadLetters.Select(d => PipelineTestKit.HeaderText(d.Message.Headers, "dlq.origin.partition") + "/" +
            PipelineTestKit.HeaderText(d.Message.Headers, "dlq.origin.offset")).Distinct().Count();

        var examples = string.Join("; ", badWindows.Take(3).Select(k =>
            $"window {DateTimeOffset.FromUnixTimeMilliseconds(k.StartMs):HH:mm:ss.fff}/id {k.Id}: expected " +
            $"{(expected.TryGetValue(k, out var e) ? e.Count.ToString(CultureInfo.InvariantCulture) : "none")} events, written " +
            $"{(aggregates.TryGetValue(k, out var a) ? a.Count.ToString(CultureInfo.InvariantCulture) : "none")}"));
        return new PipelineOutcome(input.Count, events.Count, rows, written.Count, missingRows, expected.Count, badWindows.Count, shortWindows,
            aggregateRows, topicWindows.Count, topicByKey.Count, badTopicWindows, malformed, deadLetters.Count, distinctDeadLetters, lateEvents, examples);
    }

    /// <summary>Every valid event exactly once in Parquet.</summary>
    public void AssertRowsExactlyOnce() =>
        Assert.True(MissingRows == 0 && Rows == ValidEvents && DistinctRows == ValidEvents,
            $"Parquet rows: {Rows} rows, {DistinctRows} distinct, {MissingRows} of {ValidEvents} valid events missing or wrong. {this}");

    /// <summary>Every window as recomputed from the topic, once, in Parquet and (at least once, every copy equal) in the windows topic.</summary>
    public void AssertWindowsExact()
    {
        Assert.True(BadWindows == 0 && AggregateRows == WindowsChecked,
            $"Windows: {BadWindows} of {WindowsChecked} wrong or missing in Parquet ({ShortWindows} short, {LateEvents} late events), " +
            $"{AggregateRows} aggregate rows; e.g. {Examples}. {this}");
        Assert.True(BadTopicWindows == 0, $"Windows topic: {BadTopicWindows} of {WindowsChecked} windows wrong or missing. {this}");
    }

    /// <summary>Every malformed event exactly once in the dead-letter topic.</summary>
    public void AssertDeadLettersExactlyOnce() =>
        Assert.True(DeadLetters == ExpectedDeadLetters && DistinctDeadLetters == ExpectedDeadLetters,
            $"Dead letters: {DeadLetters} ({DistinctDeadLetters} distinct) for {ExpectedDeadLetters} malformed events. {this}");

    public void AssertExact()
    {
        AssertRowsExactlyOnce();
        AssertWindowsExact();
        AssertDeadLettersExactlyOnce();
    }

    public override string ToString() =>
        $"[input {InputMessages} messages, {ValidEvents} valid; rows {Rows} ({DistinctRows} distinct, {MissingRows} missing); " +
        $"windows {WindowsChecked} checked, {BadWindows} bad ({ShortWindows} short), {AggregateRows} aggregate rows, {LateEvents} late events; " +
        $"windows topic {TopicWindows} messages ({DistinctTopicWindows} distinct, {BadTopicWindows} bad); " +
        $"dead letters {DeadLetters} ({DistinctDeadLetters} distinct) of {ExpectedDeadLetters}]";

    private static bool Same(WindowRow expected, WindowRow actual) =>
        expected.Count == actual.Count && expected.Min == actual.Min && expected.Max == actual.Max &&
        Math.Abs(expected.Sum - actual.Sum) < 1e-6 && Math.Abs(expected.Average - actual.Average) < 1e-6;

    /// <summary>The contract's valid events (an object with an integer id ≥ 0, a finite number value, a UTC ts), with the event time in ms.</summary>
    private static bool TryParseValid(byte[]? value, out (int Id, double Value, long Ms) parsed)
    {
        parsed = default;
        try
        {
            using var document = JsonDocument.Parse(value ?? []);
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object &&
                root.TryGetProperty("id", out var idElement) && idElement.ValueKind == JsonValueKind.Number && idElement.TryGetInt32(out var id) && id >= 0 &&
                root.TryGetProperty("value", out var valueElement) && valueElement.ValueKind == JsonValueKind.Number &&
                root.TryGetProperty("ts", out var ts) && ts.ValueKind == JsonValueKind.String && ts.GetString()!.EndsWith('Z') &&
                double.IsFinite(valueElement.GetDouble()))
            {
                var time = DateTimeOffset.Parse(ts.GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
                parsed = (id, valueElement.GetDouble(), time.ToUnixTimeMilliseconds());
                return true;
            }
        }
        catch (JsonException)
        {
        }

        return false;
    }
}
