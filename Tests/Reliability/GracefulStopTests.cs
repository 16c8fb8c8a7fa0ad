using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Confluent.Kafka;

namespace Pipeline.Tests.Reliability;

/// <summary>
/// SIGTERM (docker stop, Kubernetes) while each service is busy: it exits with code 0 within the
/// host's shutdown timeout, and everything it acknowledged is durable. The Producer's logged
/// delivery count is exactly what the topic holds; the StreamProcessor's checkpoints, its Parquet
/// output and its group's committed offsets agree exactly.
/// </summary>
[Trait("Category", "Long")]
public sealed partial class GracefulStopTests() : BrokerRunTest("stop")
{
    /// <summary>HostOptions.ShutdownTimeout, set through the host's <c>shutdownTimeoutSeconds</c> setting.</summary>
    private static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(20);


    [Fact]
    public async Task Producer_SigtermWhilePublishing_ExitsZeroAndTopicHoldsExactlyWhatItReportedDelivered()
    {
        // Arrange
        await PipelineTestKit.CreateTopicAsync(Broker.BootstrapServers, Topic, partitions: 3);
        using var producer = ServiceProcess.Start("Producer", new Dictionary<string, string>
        {
            ["ConnectionStrings__kafka"] = Broker.BootstrapServers,
            ["Pipeline__Producer__Topic"] = Topic,
            ["Pipeline__Producer__MessagesPerSecond"] = "20000",
            ["Pipeline__Producer__TotalMessages"] = "100000000", // never finishes on its own
            ["Pipeline__Producer__FlushTimeout"] = "00:00:10", // inside the host's shutdown timeout
            ["shutdownTimeoutSeconds"] = ShutdownTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture),
            ["Logging__LogLevel__Default"] = "Information",
        });
        await producer.WaitForOutputAsync("Publishing to", TimeSpan.FromSeconds(60));
        await WaitForMessagesAsync(minimum: 10_000);

        // Act
        var stopwatch = Stopwatch.StartNew();
        var exitCode = await producer.TerminateAsync(ShutdownTimeout + TimeSpan.FromSeconds(10));
        stopwatch.Stop();

        // Assert
        var output = producer.Output;
        Assert.True(exitCode == 0, $"Exit code {exitCode} after SIGTERM. Output:\n{output}");
        Assert.True(stopwatch.Elapsed < ShutdownTimeout, $"Stopping took {stopwatch.Elapsed}, more than the shutdown timeout {ShutdownTimeout}.");
        var stopped = StoppedLine().Match(output);
        Assert.True(stopped.Success, $"No 'Producer stopped' line. Output:\n{output}");
        var delivered = long.Parse(stopped.Groups["delivered"].Value, CultureInfo.InvariantCulture);
        Assert.Equal(0, long.Parse(stopped.Groups["failed"].Value, CultureInfo.InvariantCulture));
        Assert.Equal(0, int.Parse(stopped.Groups["undelivered"].Value, CultureInfo.InvariantCulture));
        var messages = PipelineTestKit.ReadAll(Broker.BootstrapServers, Topic, 3, TimeSpan.FromSeconds(60));
        TestContext.Current.TestOutputHelper?.WriteLine($"delivered {delivered}, topic holds {messages.Count}, stopped in {stopwatch.Elapsed}");
        Assert.Equal(delivered, messages.Count);
        // No duplicates: each payload carries its own event time (100 ns ticks) and value.
        var distinct = messages.Select(m => Convert.ToBase64String(m.Message.Value!)).Distinct(StringComparer.Ordinal).Count();
        Assert.Equal(messages.Count, distinct);
    }

    [Fact]
    public async Task Processor_SigtermWhileConsuming_ExitsZeroAndCheckpointsOutputAndCommitsAgree()
    {
        // Arrange
        const int Partitions = 3;
        var seed = Random.Shared.Next();
        TestContext.Current.TestOutputHelper?.WriteLine($"seed {seed}");
        var random = new Random(seed);
        await PipelineTestKit.CreateTopicAsync(Broker.BootstrapServers, Topic, Partitions);
        var sequence = 0;
        PipelineTestKit.ProduceRaw(Broker.BootstrapServers, Topic, Generate(random, ref sequence, 60_000));
        // More keeps arriving while the processor runs, so SIGTERM lands mid-stream.
        using var stopFeeding = new CancellationTokenSource();
        var feeding = Task.Run(() =>
        {
            while (!stopFeeding.IsCancellationRequested)
            {
                PipelineTestKit.ProduceRaw(Broker.BootstrapServers, Topic, Generate(random, ref sequence, 2_000));
                // Pacing, not waiting for a condition: about 20,000 events a second keep arriving until SIGTERM.
                Thread.Sleep(100);
            }
        }, TestContext.Current.CancellationToken);
        using var processor = ServiceProcess.Start("StreamProcessor", new Dictionary<string, string>
        {
            ["ConnectionStrings__kafka"] = Broker.BootstrapServers,
            ["Pipeline__Processor__Topic"] = Topic,
            ["Pipeline__Processor__GroupId"] = "group-" + Topic,
            ["Pipeline__Output__OutputPath"] = OutputPath,
            ["Pipeline__Output__RunId"] = "stop",
            ["Pipeline__Output__TriggerInterval"] = "00:00:00.200",
            ["Pipeline__Output__MaxBatchRows"] = "5000",
            ["Pipeline__Windowing__WindowSize"] = "00:00:01",
            ["Pipeline__Windowing__WatermarkDelay"] = "00:00:00.500",
            ["shutdownTimeoutSeconds"] = ShutdownTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture),
            ["Logging__LogLevel__Default"] = "Information",
        });
        await processor.WaitForOutputAsync("Partitions assigned", TimeSpan.FromSeconds(60));
        await WaitForCheckpointedAsync(Partitions, minimum: 5_000);

        // Act
        var stopwatch = Stopwatch.StartNew();
        var exitCode = await processor.TerminateAsync(ShutdownTimeout + TimeSpan.FromSeconds(10));
        stopwatch.Stop();
        await stopFeeding.CancelAsync();
        await feeding;

        // Assert
        Assert.True(exitCode == 0, $"Exit code {exitCode} after SIGTERM. Output:\n{processor.Output}");
        Assert.True(stopwatch.Elapsed < ShutdownTimeout, $"Stopping took {stopwatch.Elapsed}, more than the shutdown timeout {ShutdownTimeout}.");
        Assert.Contains("Every lane committed; left the group", processor.Output, StringComparison.Ordinal);
        var checkpoints = await LoadCheckpointsAsync(Partitions);
        var committed = Committed(Partitions);
        using var oracle = new DuckDbOracle(TestRun.Local(OutputPath, "stop").Directory);
        var rows = oracle.ReadEvents(out var rowCount);
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"checkpoints [{string.Join(", ", checkpoints)}], committed [{string.Join(", ", committed)}], {rowCount} rows, " +
            $"{sequence} produced, stopped in {stopwatch.Elapsed}");
        Assert.True(checkpoints.Sum() < sequence, "The processor had finished the topic before SIGTERM: the test did not stop it mid-stream.");
        Assert.Equal(checkpoints.Sum(), rowCount); // every checkpointed offset is in Parquet, nothing beyond
        Assert.Equal(rowCount, rows.Count); // no duplicate (partition, offset)
        for (var p = 0; p < Partitions; p++)
        {
            var partition = p;
            Assert.Equal(checkpoints[p], rows.Keys.Count(k => k.Partition == partition && k.Offset < checkpoints[partition]));
        }

        Assert.Equal(checkpoints, committed); // the group's offsets follow the checkpoints exactly
    }

    private static List<(string? Key, byte[] Value)> Generate(Random random, ref int sequence, int count)
    {
        var start = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        var list = new List<(string?, byte[])>(count);
        for (var i = 0; i < count; i++, sequence++)
        {
            var id = sequence % 10;
            var ts = start.AddMilliseconds(sequence).ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);
            var value = Math.Round(random.NextDouble() * 100, 2).ToString(CultureInfo.InvariantCulture);
            list.Add((id.ToString(CultureInfo.InvariantCulture),
                Encoding.UTF8.GetBytes($$"""{"id":{{id}},"ts":"{{ts}}","value":{{value}},"source":"stop-test"}""")));
        }

        return list;
    }

    private async Task<long[]> LoadCheckpointsAsync(int partitions)
    {
        var store = TestRun.Local(OutputPath, "stop").Checkpoints;
        var next = new long[partitions];
        for (var p = 0; p < partitions; p++)
        {
            var checkpoint = await store.LoadAsync(Topic, p, TestContext.Current.CancellationToken);
            next[p] = Math.Max(0, checkpoint?.NextOffset ?? 0);
        }

        return next;
    }

    private long[] Committed(int partitions)
    {
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig
        {
            BootstrapServers = Broker.BootstrapServers,
            GroupId = "group-" + Topic,
            EnableAutoCommit = false,
        }).Build();
        var offsets = consumer.Committed(
            Enumerable.Range(0, partitions).Select(p => new TopicPartition(Topic, p)), TimeSpan.FromSeconds(10));
        return [.. offsets.OrderBy(o => o.Partition.Value).Select(o => Math.Max(0, o.Offset.Value))];
    }

    private Task<long[]> WaitForCheckpointedAsync(int partitions, long minimum) =>
        // Every partition has some output, so SIGTERM interrupts all of them, not just the first one read.
        PipelineTestKit.WaitUntilAsync(
            () => LoadCheckpointsAsync(partitions),
            next => next.Sum() >= minimum && next.All(n => n > 0),
            next => $"every partition to checkpoint and at least {minimum} offsets in all: [{string.Join(", ", next)}]",
            TimeSpan.FromSeconds(30));

    private async Task WaitForMessagesAsync(long minimum)
    {
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = Broker.BootstrapServers, GroupId = "watermarks" }).Build();
        await PipelineTestKit.WaitUntilAsync(
            () => Enumerable.Range(0, 3).Sum(p => consumer.QueryWatermarkOffsets(new TopicPartition(Topic, p), TimeSpan.FromSeconds(5)).High.Value),
            published => published >= minimum,
            published => $"at least {minimum} messages published (so far {published})",
            TimeSpan.FromSeconds(30));
    }

    [GeneratedRegex(@"Producer stopped: (?<delivered>\d+) delivered, (?<failed>\d+) failed, (?<undelivered>\d+) still in flight")]
    private static partial Regex StoppedLine();
}
