using Confluent.Kafka;

namespace Pipeline.Tests.MockCluster;

/// <summary>
/// The real Producer and StreamProcessor, as OS processes, on a three-broker cluster (librdkafka's mock) while a
/// broker, a leader or the group coordinator misbehaves. Each scenario asserts the contract as it should hold: the
/// Producer exits non-zero if it could not deliver everything, and otherwise the topic holds every event; every valid
/// event of the topic exactly once in Parquet; every window equal to its recomputation (none closed short by an
/// outage); every malformed event exactly once in the dead-letter topic. Fault durations are the point of these tests
/// (a broker down for 30 s), so they are waited out; everything else waits for a condition.
/// </summary>
[Trait("Category", "Long")]
public sealed class MockClusterScenarioTests
{
    private const int Malformed = 30;
    private const int Events = 3000;
    private const int PerSecond = 100;
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(30);

    [Fact]
    public Task BrokerDown_LeadersNotMoved_RunIsExactAfterRecovery() => RunAsync("down", async (run, _) =>
    {
        // Broker 2 leads ev[1] and ev.windows[1]: both unavailable for the outage; the mock never elects another leader.
        run.Cluster.BrokerDown(2);
        await Task.Delay(Outage, TestContext.Current.CancellationToken);
        run.Cluster.BrokerUp(2);
    });

    [Fact]
    public Task BrokerDown_LeadersMovedToSurvivors_RunIsExact() => RunAsync("moved", async (run, _) =>
    {
        run.Cluster.BrokerDown(2);
        run.Cluster.SetPartitionLeader(MockPipelineRun.Topic, 1, 3);
        run.Cluster.SetPartitionLeader(MockPipelineRun.WindowsTopic, 1, 3);
        await Task.Delay(Outage, TestContext.Current.CancellationToken);
        run.Cluster.BrokerUp(2);
    });

    [Fact]
    public Task SlowLeader_TwentySecondRoundTrips_RunIsExact() => RunAsync("slow", async (run, _) =>
    {
        // Broker 3 leads ev[2] (and ev.windows[2], ev.dlq): every response of it takes 20 s.
        run.Cluster.SetBrokerRtt(3, TimeSpan.FromSeconds(20));
        await Task.Delay(Outage, TestContext.Current.CancellationToken);
        run.Cluster.SetBrokerRtt(3, TimeSpan.Zero);
    });

    [Fact]
    public Task OutputTopicPartitionUnavailable_OtherLanesKeepCommitting_RunIsExact() => RunAsync(
        "outputs",
        async (run, processors) =>
        {
            // Broker 3 now leads only ev.windows[2] and ev.dlq; lane 2 has rejects to send there during the outage.
            var before = await CommittedPerPartitionAsync(run);
            run.Cluster.BrokerDown(3);
            ProduceMalformedTo(run, partition: 2, count: 10);
            await PipelineTestKit.WaitUntilAsync(
                () => CommittedPerPartitionAsync(run),
                now => now[0] > before[0] + 100 && now[1] > before[1] + 100,
                now => $"lanes 0 and 1 to keep committing while broker 3 is down (from {string.Join("/", before)} to {string.Join("/", now)})",
                Outage);
            await Task.Delay(Outage / 2, TestContext.Current.CancellationToken);
            Assert.False(processors[0].HasExited, $"The processor exited while an output partition was unavailable. Output:\n{processors[0].Output}");
            run.Cluster.BrokerUp(3);
        },
        arrange: run => run.Cluster.SetPartitionLeader(MockPipelineRun.Topic, 2, 1),
        extraDeadLetters: 10);

    [Fact]
    public Task CoordinatorMovedFourTimes_RunIsExact() => RunAsync("coordinator", async (run, _) =>
    {
        foreach (var broker in new[] { 2, 3, 1, 2 })
        {
            run.Cluster.SetCoordinator("group", MockPipelineRun.GroupId, broker);
            await Task.Delay(TimeSpan.FromSeconds(6), TestContext.Current.CancellationToken);
        }
    });

    [Fact]
    public Task ProcessorKilledRightAfterCommits_RestartedThreeTimes_RunIsExact() => RunAsync("kill", async (run, processors) =>
    {
        for (var kill = 0; kill < 3; kill++)
        {
            var committed = await run.CommittedAsync();
            await PipelineTestKit.WaitUntilAsync(run.CommittedAsync, now => now > committed, now => $"a commit after {committed} (at {now})",
                TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(20));
            processors[0].KillHard();
            var started = TimeProvider.System.GetTimestamp();
            processors[0] = run.StartProcessor();
            await processors[0].WaitForOutputAsync("Partitions assigned", TimeSpan.FromSeconds(60));
            TestContext.Current.TestOutputHelper?.WriteLine($"kill {kill + 1}: reassigned {TimeProvider.System.GetElapsedTime(started).TotalSeconds:F1} s after SIGKILL");
        }
    });

    [Fact]
    public Task TwoProcessors_OneKilledAndRestarted_RunIsExact() => RunAsync(
        "pair",
        async (run, processors) =>
        {
            await PipelineTestKit.WaitUntilAsync(run.CommittedAsync, now => now > 500, now => $"500 offsets committed (at {now})", TimeSpan.FromSeconds(30));
            processors[0].KillHard();
            var started = TimeProvider.System.GetTimestamp();
            processors[0] = run.StartProcessor();
            await processors[0].WaitForOutputAsync("Partitions assigned", TimeSpan.FromSeconds(60));
            TestContext.Current.TestOutputHelper?.WriteLine($"restarted member assigned {TimeProvider.System.GetElapsedTime(started).TotalSeconds:F1} s after SIGKILL");
        },
        processorCount: 2);

    /// <summary>
    /// Malformed events first, the processors, then the Producer (<see cref="Events"/> at <see cref="PerSecond"/>); the
    /// fault once a sixth of the events is in; then the Producer's exit, the output's completion, a graceful stop, the checks.
    /// </summary>
    private static async Task RunAsync(
        string name,
        Func<MockPipelineRun, List<ServiceProcess>, Task> fault,
        Action<MockPipelineRun>? arrange = null,
        int processorCount = 1,
        int extraDeadLetters = 0)
    {
        // Arrange
        await using var run = MockPipelineRun.Start(name);
        arrange?.Invoke(run);
        run.ProduceMalformed(Malformed);
        var processors = Enumerable.Range(0, processorCount).Select(_ => run.StartProcessor()).ToList();
        foreach (var processor in processors)
        {
            await processor.WaitForOutputAsync("Partitions assigned", TimeSpan.FromSeconds(60));
        }

        var producer = run.StartProducer(Events, PerSecond, TimeSpan.FromSeconds(30));
        await run.WaitForInputAsync(Malformed + (Events / 6), TimeSpan.FromSeconds(60));

        // Act
        var faultStarted = TimeProvider.System.GetTimestamp();
        await fault(run, processors);
        var faultEnded = TimeProvider.System.GetTimestamp();
        var exitCode = await producer.WaitForExitAsync(TimeSpan.FromSeconds(120), TestContext.Current.CancellationToken);
        var inTopic = await PipelineTestKit.WaitUntilAsync(run.InputCount, count => count >= 0, _ => "the input's size", TimeSpan.FromSeconds(30));
        var produced = inTopic - Malformed - extraDeadLetters;
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{name}: fault {TimeProvider.System.GetElapsedTime(faultStarted, faultEnded).TotalSeconds:F1} s; Producer exit {exitCode}, {produced} of {Events} events in {MockPipelineRun.Topic}");
        Assert.True(exitCode == 0 ? produced == Events : produced < Events,
            $"Producer exited {exitCode} with {produced} of {Events} events in {MockPipelineRun.Topic}. Producer output:\n{Tail(producer.Output)}");

        var recovering = TimeProvider.System.GetTimestamp();
        try
        {
            await run.WaitForCompleteOutputAsync(inTopic, TimeSpan.FromSeconds(90), processors);
        }
        catch (Xunit.Sdk.XunitException ex) when (!processors.Any(p => p.HasExited))
        {
            Assert.Fail($"{ex.Message}\nThe last processor's output:\n{Tail(processors[^1].Output)}");
        }

        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{name}: output complete {TimeProvider.System.GetElapsedTime(recovering).TotalSeconds:F1} s after the Producer exited");
        foreach (var processor in processors)
        {
            Assert.False(processor.HasExited, $"A processor exited during the run. Output:\n{Tail(processor.Output)}");
            var stopped = await processor.TerminateAsync(TimeSpan.FromSeconds(30));
            Assert.True(stopped == 0, $"Exit code {stopped} after SIGTERM. Output:\n{Tail(processor.Output)}");
        }

        // Assert
        var outcome = await run.OutcomeAsync(Malformed + extraDeadLetters);
        outcome.AssertExact();
    }

    private static async Task<long[]> CommittedPerPartitionAsync(MockPipelineRun run)
    {
        var offsets = new long[MockPipelineRun.Partitions];
        for (var p = 0; p < offsets.Length; p++)
        {
            offsets[p] = (await run.Checkpoints.LoadAsync(MockPipelineRun.Topic, p, TestContext.Current.CancellationToken))?.NextOffset ?? 0;
        }

        return offsets;
    }

    private static void ProduceMalformedTo(MockPipelineRun run, int partition, int count)
    {
        using var producer = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = run.BootstrapServers, EnableIdempotence = true }).Build();
        for (var i = 0; i < count; i++)
        {
            producer.Produce(new TopicPartition(MockPipelineRun.Topic, partition), new Message<Null, string> { Value = "{\"id\":\"not a number\"}" });
        }

        Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));
    }

    /// <summary>The last lines of a process's output, enough to see why without drowning the failure.</summary>
    internal static string Tail(string output) => string.Join('\n', output.Split('\n').TakeLast(40));
}
