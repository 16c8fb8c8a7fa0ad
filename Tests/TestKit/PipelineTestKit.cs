using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.StreamProcessor.Checkpointing;
using Pipeline.StreamProcessor.Kafka;

namespace Pipeline.Tests.TestKit;

/// <summary>Kafka and output helpers shared by the end-to-end tests.</summary>
internal static class PipelineTestKit
{
    /// <summary>
    /// How far a window's sum or average may differ from its recomputation: the sums add the same doubles in another
    /// order (per batch, across a rebalance). An absolute bound, not "equal when rounded to 6 decimals", which fails two
    /// values 1e-15 apart that straddle a rounding boundary (43.4846875000000007 and 43.4846874999999986 did in CI).
    /// </summary>
    public const double SumTolerance = 1e-6;

    public static async Task CreateTopicAsync(string bootstrapServers, string topic, int partitions)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrapServers }).Build();
        await admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = partitions, ReplicationFactor = 1 }]);
    }

    /// <summary>Every message of a topic, read with a plain assigned consumer (no group).</summary>
    public static List<ConsumeResult<byte[]?, byte[]?>> ReadAll(string bootstrapServers, string topic, int partitions, TimeSpan timeout)
    {
        var config = new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = "reader-" + Guid.NewGuid().ToString("N"),
            EnableAutoCommit = false,
            EnablePartitionEof = true,
        };
        using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(config).Build();
        var all = new List<ConsumeResult<byte[]?, byte[]?>>();
        var ends = new long[partitions];
        var assignment = new List<TopicPartitionOffset>();
        for (var p = 0; p < partitions; p++)
        {
            ends[p] = consumer.QueryWatermarkOffsets(new TopicPartition(topic, p), timeout).High.Value;
            assignment.Add(new TopicPartitionOffset(topic, p, Offset.Beginning));
        }

        consumer.Assign(assignment);
        var remaining = ends.Sum();
        var deadline = DateTime.UtcNow + timeout;
        while (remaining > 0 && DateTime.UtcNow < deadline)
        {
            var result = consumer.Consume(TimeSpan.FromMilliseconds(200));
            if (result is null || result.IsPartitionEOF)
            {
                continue;
            }

            if (result.Offset.Value < ends[result.Partition.Value])
            {
                all.Add(result);
                remaining--;
            }
        }

        Assert.True(remaining == 0, $"Read {all.Count} of {ends.Sum()} messages of {topic} within {timeout}.");
        return all;
    }

    public static void ProduceRaw(string bootstrapServers, string topic, IEnumerable<(string? Key, byte[] Value)> messages)
    {
        using var producer = new ProducerBuilder<string?, byte[]>(new ProducerConfig
        {
            BootstrapServers = bootstrapServers,
            EnableIdempotence = true,
            Acks = Acks.All,
        }).Build();
        foreach (var (key, value) in messages)
        {
            producer.Produce(topic, new Message<string?, byte[]> { Key = key, Value = value });
        }

        Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));
    }

    /// <summary>
    /// Produces <paramref name="input"/> at <paramref name="perSecond"/>, <paramref name="chunk"/> messages at a time:
    /// pacing, not waiting for a condition, so the input keeps arriving while a test kills or freezes a processor.
    /// </summary>
    public static void ProducePaced(
        string bootstrapServers, string topic, List<(string? Key, byte[] Value)> input, int perSecond, int chunk)
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 0; i < input.Count; i += chunk)
        {
            ProduceRaw(bootstrapServers, topic, input.Skip(i).Take(chunk));
            var due = TimeSpan.FromSeconds((i + chunk) / (double)perSecond) - started.Elapsed;
            if (due > TimeSpan.Zero)
            {
                Thread.Sleep(due);
            }
        }
    }

    public static string HeaderText(Headers headers, string key) =>
        headers.TryGetLastBytes(key, out var bytes) ? Encoding.UTF8.GetString(bytes) : string.Empty;

    /// <summary>Waits until the checkpoints cover every message and hold no open window.</summary>
    public static Task WaitForCompleteOutputAsync(
        string outputPath, string runId, string bootstrapServers, string topic, int partitions, TimeSpan timeout, long expectedMessages) =>
        WaitForCompleteOutputAsync(TestRun.Local(outputPath, runId).Checkpoints, bootstrapServers, topic, partitions, timeout, expectedMessages);

    /// <summary>Waits until every partition's checkpoint (in any storage) stands at its high watermark with no open window.</summary>
    public static async Task WaitForCompleteOutputAsync(
        CheckpointStore store, string bootstrapServers, string topic, int partitions, TimeSpan timeout, long expectedMessages)
    {
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = bootstrapServers, GroupId = "watermarks" }).Build();
        await WaitUntilAsync(
            async () =>
            {
                var complete = true;
                long total = 0;
                var states = new List<string>();
                for (var p = 0; p < partitions; p++)
                {
                    var high = consumer.QueryWatermarkOffsets(new TopicPartition(topic, p), TimeSpan.FromSeconds(5)).High.Value;
                    var checkpoint = await store.LoadAsync(topic, p, TestContext.Current.CancellationToken);
                    total += high;
                    states.Add($"p{p}: {checkpoint?.NextOffset}/{high}, {checkpoint?.OpenWindows.Count} open");
                    complete &= high == 0 || (checkpoint is not null && checkpoint.NextOffset == high && checkpoint.OpenWindows.Count == 0);
                }

                return (Done: complete && total >= expectedMessages, State: string.Join("; ", states));
            },
            static state => state.Done,
            state => $"the output to become complete ({expectedMessages} messages): {state.State}",
            timeout,
            interval: TimeSpan.FromMilliseconds(200));
    }

    /// <summary>
    /// The contract, checked against the input topic by DuckDB: every valid event exactly once
    /// (by partition and offset, with its id and value) and every window equal to the one
    /// recomputed from the raw rows, each written once.
    /// </summary>
    public static void AssertExactlyOnce(string bootstrapServers, string topic, string runDirectory, int expectedValid, long windowMs)
    {
        var timeout = TimeSpan.FromSeconds(60);
        var input = ReadAll(bootstrapServers, topic, CountPartitions(bootstrapServers, topic), timeout);
        var expected = new Dictionary<(int, long), (int Id, double Value)>();
        foreach (var message in input)
        {
            if (TryParseValid(message.Message.Value, out var id, out var value))
            {
                expected[(message.Partition.Value, message.Offset.Value)] = (id, value);
            }
        }

        Assert.Equal(expectedValid, expected.Count);
        using var oracle = new DuckDbOracle(runDirectory);
        var written = oracle.ReadEvents(out var rowCount);
        Assert.Equal(expected.Count, rowCount); // no duplicate rows
        Assert.Equal(expected.Count, written.Count);
        foreach (var (position, row) in expected)
        {
            Assert.True(written.TryGetValue(position, out var actual), $"Event at {position} missing from Parquet.");
            Assert.Equal(row.Id, actual.Id);
            Assert.Equal(row.Value, actual.Value);
        }

        var aggregates = oracle.ReadAggregates(out var aggregateRows);
        var recomputed = oracle.RecomputeWindows(windowMs);
        var missing = recomputed.Keys.Where(k => !aggregates.ContainsKey(k)).Order().ToList();
        Assert.True(missing.Count == 0, $"{missing.Count} of {recomputed.Count} windows missing from the aggregates, " +
            $"e.g. {string.Join(", ", missing.Take(5).Select(k => $"{DateTimeOffset.FromUnixTimeMilliseconds(k.StartMs):o}/id {k.Id}"))}" +
            $"; last missing {(missing.Count > 0 ? DateTimeOffset.FromUnixTimeMilliseconds(missing[^1].StartMs).ToString("o") : "-")}.");
        Assert.Equal(recomputed.Count, aggregateRows); // each window final exactly once
        foreach (var (key, window) in recomputed)
        {
            Assert.True(aggregates.TryGetValue(key, out var actual), $"Window {key} missing from the aggregates.");
            Assert.Equal(window.Count, actual.Count);
            Assert.Equal(window.Min, actual.Min);
            Assert.Equal(window.Max, actual.Max);
            Assert.Equal(window.Sum, actual.Sum, SumTolerance);
            Assert.Equal(window.Average, actual.Average, SumTolerance);
        }
    }

    public static int CountPartitions(string bootstrapServers, string topic)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrapServers }).Build();
        return admin.GetMetadata(topic, TimeSpan.FromSeconds(10)).Topics[0].Partitions.Count;
    }

    /// <summary>The contract's valid events, decided independently of the product's decoder.</summary>
    private static bool TryParseValid(byte[]? value, out int id, out double number)
    {
        id = 0;
        number = 0;
        try
        {
            using var document = JsonDocument.Parse(value ?? []);
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object &&
                root.TryGetProperty("id", out var idElement) && idElement.ValueKind == JsonValueKind.Number && idElement.TryGetInt32(out id) && id >= 0 &&
                root.TryGetProperty("value", out var valueElement) && valueElement.ValueKind == JsonValueKind.Number &&
                root.TryGetProperty("ts", out var ts) && ts.ValueKind == JsonValueKind.String && ts.GetString()!.EndsWith('Z'))
            {
                number = valueElement.GetDouble();
                return double.IsFinite(number);
            }
        }
        catch (JsonException)
        {
        }

        return false;
    }

    /// <summary>Polls <paramref name="condition"/> until it holds; fails naming <paramref name="what"/> after <paramref name="timeout"/>.</summary>
    public static Task WaitUntilAsync(Func<bool> condition, string what, TimeSpan timeout) =>
        WaitUntilAsync(() => Task.FromResult(condition()), what, timeout);

    /// <inheritdoc cref="WaitUntilAsync(Func{bool}, string, TimeSpan)"/>
    public static Task WaitUntilAsync(Func<Task<bool>> condition, string what, TimeSpan timeout) =>
        WaitUntilAsync(condition, static done => done, _ => what, timeout);

    /// <summary>
    /// The one polling loop of the tests: reads <paramref name="probe"/> every <paramref name="interval"/> (50 ms unless
    /// told) until <paramref name="done"/> holds for its value and returns that value; after <paramref name="timeout"/>
    /// fails with <paramref name="what"/> describing the last value read. An assertion thrown by the probe (a process that
    /// exited early) fails at once. The test's own token cancels the wait.
    /// </summary>
    public static async Task<T> WaitUntilAsync<T>(
        Func<Task<T>> probe, Func<T, bool> done, Func<T, string> what, TimeSpan timeout, TimeSpan? interval = null)
    {
        var started = TimeProvider.System.GetTimestamp();
        while (true)
        {
            var value = await probe();
            if (done(value))
            {
                return value;
            }

            Assert.True(TimeProvider.System.GetElapsedTime(started) < timeout, $"Timed out after {timeout} waiting for {what(value)}.");
            await Task.Delay(interval ?? TimeSpan.FromMilliseconds(50), TestContext.Current.CancellationToken);
        }
    }

    /// <inheritdoc cref="WaitUntilAsync{T}(Func{Task{T}}, Func{T, bool}, Func{T, string}, TimeSpan, TimeSpan?)"/>
    public static Task<T> WaitUntilAsync<T>(Func<T> probe, Func<T, bool> done, Func<T, string> what, TimeSpan timeout, TimeSpan? interval = null) =>
        WaitUntilAsync(() => Task.FromResult(probe()), done, what, timeout, interval);

    /// <summary>Raw rows committed so far in a run folder, counted by DuckDB (0 before the first file).</summary>
    public static long CommittedRows(string runDirectory)
    {
        var events = Path.Combine(runDirectory, "events");
        if (!Directory.Exists(events) || Directory.GetFiles(events, "*.parquet", SearchOption.AllDirectories).Length == 0)
        {
            return 0;
        }

        using var oracle = new DuckDbOracle(runDirectory);
        oracle.ReadEvents(out var rows);
        return rows;
    }

    /// <summary>Partitions an in-process StreamProcessor owns right now.</summary>
    public static int Lanes(WebApplication processor) =>
        processor.Services.GetRequiredService<StreamProcessorWorker>().Lanes.Count;
}
