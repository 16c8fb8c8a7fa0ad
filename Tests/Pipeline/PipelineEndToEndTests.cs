using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.StreamProcessor.Kafka;

namespace Pipeline.Tests.Pipeline;

/// <summary>
/// Producer → embedded broker → StreamProcessor with the real Kafka client, checked by DuckDB
/// reading the Parquet output: every valid event exactly once, aggregates equal to those
/// recomputed from the raw rows, malformed messages in the dead-letter topic.
/// </summary>
public sealed class PipelineEndToEndTests() : BrokerRunTest("e2e", defaultPartitions: 3)
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Pipeline_FixedCountWithMalformedMessages_WritesEveryValidEventOnceAndDeadLettersTheRest()
    {
        // Arrange
        const int Events = 3000;
        await PipelineTestKit.CreateTopicAsync(Broker.BootstrapServers, Topic, partitions: 3);
        var malformed = new (string? Key, byte[] Value)[]
        {
            ("1", Encoding.UTF8.GetBytes("not json")),
            ("2", Encoding.UTF8.GetBytes("""{"id":"two","ts":"2026-01-01T00:00:00Z","value":1}""")),
            ("3", Encoding.UTF8.GetBytes("""{"id":3,"ts":"2026-01-01T00:00:00","value":1}""")),
            ("4", []),
            (null, Encoding.UTF8.GetBytes("""{"id":4,"value":1}""")),
        };
        PipelineTestKit.ProduceRaw(Broker.BootstrapServers, Topic, malformed);

        // Act
        await using (var producer = ServiceHosts.BuildProducer(Root, ProducerSettings(Events)))
        await using (var processor = ServiceHosts.BuildStreamProcessor(Root, ProcessorSettings("run1", "group-" + Topic)))
        {
            await producer.StartAsync(TestContext.Current.CancellationToken);
            await processor.StartAsync(TestContext.Current.CancellationToken);
            await PipelineTestKit.WaitForCompleteOutputAsync(OutputPath, "run1", Broker.BootstrapServers, Topic, 3, s_timeout, Events + malformed.Length);
            await processor.StopAsync(TestContext.Current.CancellationToken);
            await producer.StopAsync(TestContext.Current.CancellationToken);
        }

        // Assert
        AssertExactlyOnce("run1", expectedValid: Events);
        var deadLetters = PipelineTestKit.ReadAll(Broker.BootstrapServers, Topic + ".dlq",
            PipelineTestKit.CountPartitions(Broker.BootstrapServers, Topic + ".dlq"), s_timeout);
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
        await PipelineTestKit.CreateTopicAsync(Broker.BootstrapServers, Topic, partitions: 3);
        var group = "group-" + Topic;
        await using var producer = ServiceHosts.BuildProducer(Root, ProducerSettings(Events, rate: 2000));
        await producer.StartAsync(TestContext.Current.CancellationToken);

        // Act: the first processor stops while the producer is still publishing; a second resumes the run.
        await using (var first = ServiceHosts.BuildStreamProcessor(Root, ProcessorSettings("restart", group)))
        {
            await first.StartAsync(TestContext.Current.CancellationToken);
            await PipelineTestKit.WaitUntilAsync(() => PipelineTestKit.CommittedRows(TestRun.Local(OutputPath, "restart").Directory) > 0, "the first processor to commit rows", s_timeout);
            await first.StopAsync(TestContext.Current.CancellationToken);
        }

        var rowsBeforeRestart = PipelineTestKit.CommittedRows(TestRun.Local(OutputPath, "restart").Directory);
        await using (var second = ServiceHosts.BuildStreamProcessor(Root, ProcessorSettings("restart", group)))
        {
            await second.StartAsync(TestContext.Current.CancellationToken);
            await PipelineTestKit.WaitForCompleteOutputAsync(OutputPath, "restart", Broker.BootstrapServers, Topic, 3, s_timeout, Events);
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
        await PipelineTestKit.CreateTopicAsync(Broker.BootstrapServers, Topic, partitions: 4);
        var group = "group-" + Topic;
        var settings = ProcessorSettings("pair", group);
        await using var first = ServiceHosts.BuildStreamProcessor(Root, settings);
        await using var second = ServiceHosts.BuildStreamProcessor(Root, settings);
        await first.StartAsync(TestContext.Current.CancellationToken);
        await second.StartAsync(TestContext.Current.CancellationToken);
        await PipelineTestKit.WaitUntilAsync(() => PipelineTestKit.Lanes(first) > 0 && PipelineTestKit.Lanes(second) > 0 && PipelineTestKit.Lanes(first) + PipelineTestKit.Lanes(second) == 4,
            "both processors to own partitions", s_timeout);
        var split = (PipelineTestKit.Lanes(first), PipelineTestKit.Lanes(second));

        // Act
        await using var producer = ServiceHosts.BuildProducer(Root, ProducerSettings(Events));
        await producer.StartAsync(TestContext.Current.CancellationToken);
        await PipelineTestKit.WaitForCompleteOutputAsync(OutputPath, "pair", Broker.BootstrapServers, Topic, 4, s_timeout, Events);
        var (firstAtEnd, secondAtEnd) = (Progress(first), Progress(second));
        await first.StopAsync(TestContext.Current.CancellationToken);
        await second.StopAsync(TestContext.Current.CancellationToken);
        await producer.StopAsync(TestContext.Current.CancellationToken);

        // Assert
        Assert.Equal(4, split.Item1 + split.Item2);
        // Still split at the end, and each processor read its share (the wait above only saw the assignment).
        Assert.Empty(firstAtEnd.Keys.Intersect(secondAtEnd.Keys));
        Assert.Equal(4, firstAtEnd.Count + secondAtEnd.Count);
        Assert.True(firstAtEnd.Values.Sum() > 0 && secondAtEnd.Values.Sum() > 0,
            $"Not both processors read events: first {Describe(firstAtEnd)}, second {Describe(secondAtEnd)}.");
        AssertExactlyOnce("pair", expectedValid: Events);

        static Dictionary<int, long> Progress(WebApplication processor) =>
            processor.Services.GetRequiredService<StreamProcessorWorker>().Lanes.ToDictionary(static lane => lane.Partition, static lane => lane.NextOffset);

        static string Describe(Dictionary<int, long> lanes) => "[" + string.Join(", ", lanes.Select(static l => $"p{l.Key}: next {l.Value}")) + "]";
    }

    private void AssertExactlyOnce(string runId, int expectedValid) =>
        PipelineTestKit.AssertExactlyOnce(Broker.BootstrapServers, Topic, TestRun.Local(OutputPath, runId).Directory, expectedValid, windowMs: 1000);

    private Dictionary<string, string?> ProducerSettings(int events, int? rate = null) => new()
    {
        ["ConnectionStrings:kafka"] = Broker.BootstrapServers,
        ["Pipeline:Producer:Topic"] = Topic,
        ["Pipeline:Producer:TotalMessages"] = events.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Pipeline:Producer:Unthrottled"] = rate is null ? "true" : "false",
        ["Pipeline:Producer:MessagesPerSecond"] = (rate ?? 5).ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Pipeline:Producer:Seed"] = "42",
    };
}
