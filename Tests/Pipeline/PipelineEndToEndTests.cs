using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.KafkaBroker;
using Pipeline.StreamProcessor.Processing;

namespace Pipeline.Tests.Pipeline;

/// <summary>
/// Producer → embedded broker → StreamProcessor with the real Kafka client, checked by DuckDB
/// reading the Parquet output: every valid event exactly once, aggregates equal to those
/// recomputed from the raw rows, malformed messages in the dead-letter topic.
/// </summary>
public sealed class PipelineEndToEndTests : IAsyncLifetime
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);
    private readonly string _root = Directory.CreateTempSubdirectory("pipeline-e2e-").FullName;
    private readonly string _topic = "events-" + Guid.NewGuid().ToString("N")[..8];
    private KafkaBrokerServer _broker = null!;

    private string OutputPath => Path.Combine(_root, "output");

    public async ValueTask InitializeAsync() =>
        _broker = await KafkaBrokerServer.StartAsync(new KafkaBrokerOptions { Port = 0, DefaultPartitions = 3 },
            cancellationToken: TestContext.Current.CancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _broker.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task Pipeline_FixedCountWithMalformedMessages_WritesEveryValidEventOnceAndDeadLettersTheRest()
    {
        // Arrange
        const int Events = 3000;
        await PipelineTestKit.CreateTopicAsync(_broker.BootstrapServers, _topic, partitions: 3);
        var malformed = new (string? Key, byte[] Value)[]
        {
            ("1", Encoding.UTF8.GetBytes("not json")),
            ("2", Encoding.UTF8.GetBytes("""{"id":"two","ts":"2026-01-01T00:00:00Z","value":1}""")),
            ("3", Encoding.UTF8.GetBytes("""{"id":3,"ts":"2026-01-01T00:00:00","value":1}""")),
            ("4", []),
            (null, Encoding.UTF8.GetBytes("""{"id":4,"value":1}""")),
        };
        PipelineTestKit.ProduceRaw(_broker.BootstrapServers, _topic, malformed);

        // Act
        await using (var producer = ServiceHosts.BuildProducer(_root, ProducerSettings(Events)))
        await using (var processor = ServiceHosts.BuildStreamProcessor(_root, ProcessorSettings("run1", "group-" + _topic)))
        {
            await producer.StartAsync(TestContext.Current.CancellationToken);
            await processor.StartAsync(TestContext.Current.CancellationToken);
            await PipelineTestKit.WaitForCompleteOutputAsync(OutputPath, "run1", _broker.BootstrapServers, _topic, 3, s_timeout, Events + malformed.Length);
            await processor.StopAsync(TestContext.Current.CancellationToken);
            await producer.StopAsync(TestContext.Current.CancellationToken);
        }

        // Assert
        AssertExactlyOnce("run1", expectedValid: Events);
        var deadLetters = PipelineTestKit.ReadAll(_broker.BootstrapServers, _topic + ".dlq",
            PipelineTestKit.CountPartitions(_broker.BootstrapServers, _topic + ".dlq"), s_timeout);
        Assert.Equal(malformed.Length, deadLetters.Count);
        Assert.All(deadLetters, d => Assert.False(string.IsNullOrEmpty(PipelineTestKit.HeaderText(d.Message.Headers, ResultPublisher.ReasonHeader))));
        Assert.Contains(deadLetters, d => PipelineTestKit.HeaderText(d.Message.Headers, ResultPublisher.ReasonHeader) == "malformed_json");
        Assert.Contains(deadLetters, d => d.Message.Value is { Length: 8 } v && Encoding.UTF8.GetString(v) == "not json");
    }

    [Fact]
    public async Task Pipeline_ProcessorRestartedMidStream_StillWritesEveryEventExactlyOnce()
    {
        // Arrange
        const int Events = 4000;
        await PipelineTestKit.CreateTopicAsync(_broker.BootstrapServers, _topic, partitions: 3);
        var group = "group-" + _topic;
        await using var producer = ServiceHosts.BuildProducer(_root, ProducerSettings(Events, rate: 2000));
        await producer.StartAsync(TestContext.Current.CancellationToken);

        // Act: the first processor stops while the producer is still publishing; a second resumes the run.
        await using (var first = ServiceHosts.BuildStreamProcessor(_root, ProcessorSettings("restart", group)))
        {
            await first.StartAsync(TestContext.Current.CancellationToken);
            await WaitUntilAsync(() => CountCommittedRows("restart") > 0, "the first processor to commit rows");
            await first.StopAsync(TestContext.Current.CancellationToken);
        }

        var rowsBeforeRestart = CountCommittedRows("restart");
        await using (var second = ServiceHosts.BuildStreamProcessor(_root, ProcessorSettings("restart", group)))
        {
            await second.StartAsync(TestContext.Current.CancellationToken);
            await PipelineTestKit.WaitForCompleteOutputAsync(OutputPath, "restart", _broker.BootstrapServers, _topic, 3, s_timeout, Events);
            await second.StopAsync(TestContext.Current.CancellationToken);
        }

        await producer.StopAsync(TestContext.Current.CancellationToken);

        // Assert
        Assert.InRange(rowsBeforeRestart, 1, Events - 1);
        AssertExactlyOnce("restart", expectedValid: Events);
    }

    [Fact]
    public async Task Pipeline_TwoProcessorsInOneGroup_SplitThePartitionsAndWriteEachEventOnce()
    {
        // Arrange
        const int Events = 4000;
        await PipelineTestKit.CreateTopicAsync(_broker.BootstrapServers, _topic, partitions: 4);
        var group = "group-" + _topic;
        var settings = ProcessorSettings("pair", group);
        await using var first = ServiceHosts.BuildStreamProcessor(_root, settings);
        await using var second = ServiceHosts.BuildStreamProcessor(_root, settings);
        await first.StartAsync(TestContext.Current.CancellationToken);
        await second.StartAsync(TestContext.Current.CancellationToken);
        await WaitUntilAsync(() => Lanes(first) > 0 && Lanes(second) > 0 && Lanes(first) + Lanes(second) == 4,
            "both processors to own partitions");
        var split = (Lanes(first), Lanes(second));

        // Act
        await using var producer = ServiceHosts.BuildProducer(_root, ProducerSettings(Events));
        await producer.StartAsync(TestContext.Current.CancellationToken);
        await PipelineTestKit.WaitForCompleteOutputAsync(OutputPath, "pair", _broker.BootstrapServers, _topic, 4, s_timeout, Events);
        await first.StopAsync(TestContext.Current.CancellationToken);
        await second.StopAsync(TestContext.Current.CancellationToken);
        await producer.StopAsync(TestContext.Current.CancellationToken);

        // Assert
        Assert.Equal(4, split.Item1 + split.Item2);
        AssertExactlyOnce("pair", expectedValid: Events);
    }

    private void AssertExactlyOnce(string runId, int expectedValid) =>
        PipelineTestKit.AssertExactlyOnce(_broker.BootstrapServers, _topic, Path.Combine(OutputPath, "run_" + runId), expectedValid, windowMs: 1000);

    private long CountCommittedRows(string runId)
    {
        var events = Path.Combine(OutputPath, "run_" + runId, "events");
        if (!Directory.Exists(events) || Directory.GetFiles(events, "*.parquet", SearchOption.AllDirectories).Length == 0)
        {
            return 0;
        }

        using var oracle = new DuckDbOracle(Path.Combine(OutputPath, "run_" + runId));
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

    private Dictionary<string, string?> ProducerSettings(int events, int? rate = null) => new()
    {
        ["ConnectionStrings:kafka"] = _broker.BootstrapServers,
        ["Pipeline:Producer:Topic"] = _topic,
        ["Pipeline:Producer:TotalMessages"] = events.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Pipeline:Producer:Unthrottled"] = rate is null ? "true" : "false",
        ["Pipeline:Producer:MessagesPerSecond"] = (rate ?? 5).ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Pipeline:Producer:Seed"] = "42",
    };

    private Dictionary<string, string?> ProcessorSettings(string runId, string group) => new()
    {
        ["ConnectionStrings:kafka"] = _broker.BootstrapServers,
        ["Pipeline:Processor:Topic"] = _topic,
        ["Pipeline:Processor:GroupId"] = group,
        ["Pipeline:Output:OutputPath"] = OutputPath,
        ["Pipeline:Output:RunId"] = runId,
        ["Pipeline:Output:TriggerInterval"] = "00:00:00.300",
        ["Pipeline:Windowing:WindowSize"] = "00:00:01",
        ["Pipeline:Windowing:WatermarkDelay"] = "00:00:00.500",
        ["Pipeline:Windowing:IdleTimeout"] = "00:00:01",
        ["Pipeline:Windowing:UpdateInterval"] = "00:00:01",
        ["Kafka:Consumer:session.timeout.ms"] = "6000",
        ["Kafka:Consumer:heartbeat.interval.ms"] = "500",
    };
}
