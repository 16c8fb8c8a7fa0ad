using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.KafkaBroker;
using Pipeline.StreamProcessor.Processing;
using Pipeline.Tests.Pipeline;

namespace Pipeline.Tests.Reliability;

/// <summary>
/// A second processor joins the group while events flow, takes over some partitions, and later
/// leaves, handing them back: each hand-over flushes and checkpoints on revoke and resumes from the
/// checkpoint on assign, so the output stays exactly once.
/// </summary>
public sealed class RebalanceUnderLoadTests : IAsyncLifetime
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(90);
    private readonly string _root = Directory.CreateTempSubdirectory("pipeline-rebalance-").FullName;
    private readonly string _topic = "events-" + Guid.NewGuid().ToString("N")[..8];
    private KafkaBrokerServer _broker = null!;

    private string OutputPath => Path.Combine(_root, "output");

    public async ValueTask InitializeAsync() =>
        _broker = await KafkaBrokerServer.StartAsync(new KafkaBrokerOptions { Port = 0, DefaultPartitions = 4 },
            cancellationToken: TestContext.Current.CancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _broker.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task SecondProcessorJoinsAndLeavesMidRun_EveryEventStillWrittenExactlyOnce()
    {
        // Arrange
        const int Events = 20_000; // 20 s at 1,000/s: both hand-overs happen while events still flow
        await PipelineTestKit.CreateTopicAsync(_broker.BootstrapServers, _topic, partitions: 4);
        var settings = ProcessorSettings();
        await using var first = ServiceHosts.BuildStreamProcessor(_root, settings);
        await first.StartAsync(TestContext.Current.CancellationToken);
        await WaitUntilAsync(() => Lanes(first) == 4, "the first processor to own all partitions");
        await using var producer = ServiceHosts.BuildProducer(_root, new Dictionary<string, string?>
        {
            ["ConnectionStrings:kafka"] = _broker.BootstrapServers,
            ["Pipeline:Producer:Topic"] = _topic,
            ["Pipeline:Producer:TotalMessages"] = Events.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Pipeline:Producer:MessagesPerSecond"] = "1000",
            ["Pipeline:Producer:Seed"] = "7",
        });
        await producer.StartAsync(TestContext.Current.CancellationToken);

        // Act: join while events flow, share the partitions, then leave while they still flow.
        await WaitUntilAsync(() => CommittedRows() > 0, "the first commits");
        int sharedFirst, sharedSecond;
        long rowsWhenSecondLeft;
        await using (var second = ServiceHosts.BuildStreamProcessor(_root, settings))
        {
            await second.StartAsync(TestContext.Current.CancellationToken);
            await WaitUntilAsync(() => Lanes(second) > 0 && Lanes(first) + Lanes(second) == 4, "the partitions to be shared");
            (sharedFirst, sharedSecond) = (Lanes(first), Lanes(second));
            await Task.Delay(TimeSpan.FromSeconds(2), TestContext.Current.CancellationToken);
            await second.StopAsync(TestContext.Current.CancellationToken);
            rowsWhenSecondLeft = CommittedRows();
        }

        await WaitUntilAsync(() => Lanes(first) == 4, "the first processor to take every partition back");
        await PipelineTestKit.WaitForCompleteOutputAsync(OutputPath, "rebalance", _broker.BootstrapServers, _topic, 4, s_timeout, Events);
        await first.StopAsync(TestContext.Current.CancellationToken);
        await producer.StopAsync(TestContext.Current.CancellationToken);

        // Assert
        Assert.InRange(sharedFirst, 1, 3);
        Assert.Equal(4, sharedFirst + sharedSecond);
        Assert.InRange(rowsWhenSecondLeft, 1, Events - 1); // the hand-overs happened mid-run
        PipelineTestKit.AssertExactlyOnce(_broker.BootstrapServers, _topic, Path.Combine(OutputPath, "run_rebalance"), Events, windowMs: 1000);
    }

    private long CommittedRows()
    {
        var events = Path.Combine(OutputPath, "run_rebalance", "events");
        if (!Directory.Exists(events) || Directory.GetFiles(events, "*.parquet", SearchOption.AllDirectories).Length == 0)
        {
            return 0;
        }

        using var oracle = new DuckDbOracle(Path.Combine(OutputPath, "run_rebalance"));
        oracle.ReadEvents(out var rows);
        return rows;
    }

    private static int Lanes(WebApplication processor) =>
        processor.Services.GetRequiredService<StreamProcessorWorker>().Lanes.Count;

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + s_timeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Timed out waiting for {what}.");
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }

    private Dictionary<string, string?> ProcessorSettings() => new()
    {
        ["ConnectionStrings:kafka"] = _broker.BootstrapServers,
        ["Pipeline:Processor:Topic"] = _topic,
        ["Pipeline:Processor:GroupId"] = "group-" + _topic,
        ["Pipeline:Output:OutputPath"] = OutputPath,
        ["Pipeline:Output:RunId"] = "rebalance",
        ["Pipeline:Output:TriggerInterval"] = "00:00:00.300",
        ["Pipeline:Windowing:WindowSize"] = "00:00:01",
        ["Pipeline:Windowing:WatermarkDelay"] = "00:00:02",
        ["Pipeline:Windowing:IdleTimeout"] = "00:00:01",
        ["Kafka:Consumer:session.timeout.ms"] = "6000",
        ["Kafka:Consumer:heartbeat.interval.ms"] = "500",
    };
}
