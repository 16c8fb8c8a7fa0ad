using Confluent.Kafka;

namespace Pipeline.Tests.MockCluster;

/// <summary>
/// The real Producer on a three-broker cluster, one broker down from early in the run until after the Producer has
/// given up flushing: what it could not deliver must be said (count and reason), the exit code must be non-zero,
/// and the partial outage must be warned about while it lasts, not only an outage of every broker.
/// </summary>
[Trait("Category", "Long")]
public sealed class ProducerOutageTests
{
    private const int Events = 3000;

    [Fact]
    public async Task Producer_OneOfThreeBrokersDownPastItsFlush_ExitsNonZeroAndReportsTheUndelivered()
    {
        // Arrange: broker 2 leads ev[1] only.
        await using var run = MockPipelineRun.Start("producer");
        // A flush of 15 s: the outage warning needs two statistics samples (5 s apart) after the client has noticed
        // the broker gone, which 8 s of sending and a 5 s flush did not always leave on a loaded machine.
        var producer = run.StartProducer(Events, perSecond: 300, flushTimeout: TimeSpan.FromSeconds(15));
        await run.WaitForInputAsync(Events / 5, TimeSpan.FromSeconds(60));
        Assert.True(PartitionHigh(run, 1) > 0, "No event went to ev[1], so broker 2's outage would touch nothing.");

        // Act: the Producer sends the rest (about 8 s) and flushes (15 s) while broker 2 stays down.
        run.Cluster.BrokerDown(2);
        var exitCode = await producer.WaitForExitAsync(TimeSpan.FromSeconds(90), TestContext.Current.CancellationToken);
        run.Cluster.BrokerUp(2);
        var inTopic = await PipelineTestKit.WaitUntilAsync(run.InputCount, count => count >= 0, _ => "the input's size", TimeSpan.FromSeconds(30));
        var output = producer.Output;
        TestContext.Current.TestOutputHelper?.WriteLine($"Producer exit {exitCode}; {inTopic} of {Events} events in {MockPipelineRun.Topic}");
        TestContext.Current.TestOutputHelper?.WriteLine(MockClusterScenarioTests.Tail(output));

        // Assert
        Assert.True(inTopic < Events, $"Every event reached the topic ({inTopic}); the outage did not bite.");
        Assert.True(exitCode != 0,
            $"Producer exited {exitCode} with {inTopic} of {Events} events in {MockPipelineRun.Topic}. Output:\n{MockClusterScenarioTests.Tail(output)}");
        Assert.Contains("not delivered", output, StringComparison.Ordinal);
        Assert.Contains("unreachable", output, StringComparison.Ordinal);
        Assert.DoesNotContain($"All {Events} events delivered", output, StringComparison.Ordinal);
    }

    private static long PartitionHigh(MockPipelineRun run, int partition)
    {
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = run.BootstrapServers, GroupId = "watermarks" }).Build();
        return consumer.QueryWatermarkOffsets(new TopicPartition(MockPipelineRun.Topic, partition), TimeSpan.FromSeconds(5)).High.Value;
    }
}
