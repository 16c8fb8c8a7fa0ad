using Microsoft.Extensions.DependencyInjection;
using Pipeline.StreamProcessor.Kafka;

namespace Pipeline.Tests.Reliability;

/// <summary>
/// A second processor joins the group while events flow, takes over some partitions, and later
/// leaves, handing them back: each hand-over flushes and checkpoints on revoke and resumes from the
/// checkpoint on assign, so the output stays exactly once.
/// </summary>
public sealed class RebalanceUnderLoadTests() : BrokerRunTest("rebalance", defaultPartitions: 4)
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task SecondProcessorJoinsAndLeavesMidRun_EveryEventStillWrittenExactlyOnce()
    {
        // Arrange
        const int Events = 20_000; // 20 s at 1,000/s: both hand-overs happen while events still flow
        await PipelineTestKit.CreateTopicAsync(Broker.BootstrapServers, Topic, partitions: 4);
        var settings = ProcessorSettings("rebalance");
        settings["Pipeline:Windowing:WatermarkDelay"] = "00:00:02"; // events stay on time through the hand-overs
        await using var first = ServiceHosts.BuildStreamProcessor(Root, settings);
        await first.StartAsync(TestContext.Current.CancellationToken);
        await PipelineTestKit.WaitUntilAsync(() => PipelineTestKit.Lanes(first) == 4, "the first processor to own all partitions", s_timeout);
        await using var producer = ServiceHosts.BuildProducer(Root, new Dictionary<string, string?>
        {
            ["ConnectionStrings:kafka"] = Broker.BootstrapServers,
            ["Pipeline:Producer:Topic"] = Topic,
            ["Pipeline:Producer:TotalMessages"] = Events.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Pipeline:Producer:MessagesPerSecond"] = "1000",
            ["Pipeline:Producer:Seed"] = "7",
        });
        await producer.StartAsync(TestContext.Current.CancellationToken);

        // Act: join while events flow, share the partitions, then leave while they still flow.
        await PipelineTestKit.WaitUntilAsync(() => PipelineTestKit.CommittedRows(TestRun.Local(OutputPath, "rebalance").Directory) > 0, "the first commits", s_timeout);
        int sharedFirst, sharedSecond;
        long rowsWhenSecondLeft;
        await using (var second = ServiceHosts.BuildStreamProcessor(Root, settings))
        {
            await second.StartAsync(TestContext.Current.CancellationToken);
            await PipelineTestKit.WaitUntilAsync(() => PipelineTestKit.Lanes(second) > 0 && PipelineTestKit.Lanes(first) + PipelineTestKit.Lanes(second) == 4, "the partitions to be shared", s_timeout);
            (sharedFirst, sharedSecond) = (PipelineTestKit.Lanes(first), PipelineTestKit.Lanes(second));
            // The second processor works while the partitions are shared: it commits on every partition it took.
            int[] taken = [.. second.Services.GetRequiredService<StreamProcessorWorker>().Lanes.Select(static lane => lane.Partition)];
            var atHandOver = await CheckpointsAsync(taken);
            await PipelineTestKit.WaitUntilAsync(
                () => CheckpointsAsync(taken),
                now => now.Zip(atHandOver).All(static p => p.First > p.Second),
                now => $"the second processor to commit on its partitions [{string.Join(", ", taken)}]: " +
                    $"checkpoints [{string.Join(", ", now)}], at the hand-over [{string.Join(", ", atHandOver)}]",
                s_timeout);
            await second.StopAsync(TestContext.Current.CancellationToken);
            rowsWhenSecondLeft = PipelineTestKit.CommittedRows(TestRun.Local(OutputPath, "rebalance").Directory);
        }

        await PipelineTestKit.WaitUntilAsync(() => PipelineTestKit.Lanes(first) == 4, "the first processor to take every partition back", s_timeout);
        await PipelineTestKit.WaitForCompleteOutputAsync(OutputPath, "rebalance", Broker.BootstrapServers, Topic, 4, s_timeout, Events);
        await first.StopAsync(TestContext.Current.CancellationToken);
        await producer.StopAsync(TestContext.Current.CancellationToken);

        // Assert
        Assert.InRange(sharedFirst, 1, 3);
        Assert.Equal(4, sharedFirst + sharedSecond);
        Assert.InRange(rowsWhenSecondLeft, 1, Events - 1); // the hand-overs happened mid-run
        PipelineTestKit.AssertExactlyOnce(Broker.BootstrapServers, Topic, TestRun.Local(OutputPath, "rebalance").Directory, Events, windowMs: 1000);
    }

    /// <summary>The checkpointed next offset of each partition (0 before its first checkpoint).</summary>
    private async Task<long[]> CheckpointsAsync(int[] partitions)
    {
        var store = TestRun.Local(OutputPath, "rebalance").Checkpoints;
        var next = new long[partitions.Length];
        for (var i = 0; i < partitions.Length; i++)
        {
            next[i] = (await store.LoadAsync(Topic, partitions[i], TestContext.Current.CancellationToken))?.NextOffset ?? 0;
        }

        return next;
    }
}
