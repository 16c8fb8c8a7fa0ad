using Microsoft.Extensions.Diagnostics.HealthChecks;
using Pipeline.StreamProcessor;
using Pipeline.StreamProcessor.Processing;
using Pipeline.StreamProcessor.Sinks;
using Pipeline.StreamProcessor.Windowing;

namespace Pipeline.Tests.Processing;

/// <summary>
/// The engine when one partition of the cluster is in trouble: a results topic partition that does not acknowledge
/// (only its lane waits), and an input partition whose leader stopped answering (it is not idle, and health names it).
/// </summary>
public sealed class PartitionTroubleTests
{
    private static readonly TimeSpan s_trigger = new SinkOptions().TriggerInterval;
    private static readonly TimeSpan s_idle = new WindowingOptions().IdleTimeout;
    private static readonly TimeSpan s_flushTimeout = new ProcessorOptions().ProducerFlushTimeout;
    private static readonly TimeSpan s_probeInterval = new ProcessorOptions().PartitionProbeInterval;
    private static readonly TimeSpan s_maxAge = new ProcessorOptions().PartitionConfirmationMaxAge;

    [Fact]
    public async Task ResultsNotAcknowledgedForOneLane_OnlyThatLaneWaits_OthersKeepCommitting_NothingRepublished()
    {
        // Arrange: partition 1's windows go to a results partition that does not acknowledge.
        var publisher = new StuckResultsPublisher { Stuck = true };
        using var harness = new EngineHarness(publisher: publisher);
        var source = harness.Source;
        HealthCheckResult? whileStuck = null;
        string[]? callsWhileStuck = null;
        source.Assign(0, 1)
            .Deliver(EngineHarness.Event(0, 0, id: 1), EngineHarness.Event(0, 1, id: 1, seconds: 45))
            .Deliver(EngineHarness.Event(1, 0, id: 2), EngineHarness.Event(1, 1, id: 2, seconds: 45))
            .Advance(s_trigger)
            .Advance(s_flushTimeout)
            .Then(() => whileStuck = harness.CommitRetry.CheckHealthAsync(new HealthCheckContext()).GetAwaiter().GetResult())
            .Deliver(EngineHarness.Event(0, 2, id: 1, seconds: 46))
            .Advance(s_trigger)
            .Advance(s_trigger)
            .Then(() => callsWhileStuck = [.. source.Calls])
            .Then(() => publisher.Stuck = false)
            .Advance(TimeSpan.FromMinutes(1))
            .Advance(s_trigger);

        // Act
        await harness.RunAsync();

        // Assert: partition 1 alone was paused and unhealthy while partition 0 went on committing; once its results
        // were acknowledged it committed and resumed; no window was published twice.
        Assert.Equal(["commit 0@2", "pause 1", "commit 0@3"], callsWhileStuck ?? []);
        Assert.Equal(HealthStatus.Unhealthy, whileStuck?.Status);
        Assert.Contains("partition(s) 1;", whileStuck?.Description, StringComparison.Ordinal);
        Assert.Equal(["commit 0@2", "pause 1", "commit 0@3", "commit 1@2", "resume 1", "close"], source.Calls);
        Assert.Equal(3, harness.Checkpoint(0)?.NextOffset);
        Assert.Equal(2, harness.Checkpoint(1)?.NextOffset);
        Assert.Equal(1, publisher.Windows.Count(static w => w.Partition == 1));
        Assert.False(harness.CommitRetry.IsOutputFailing);
    }

    [Fact]
    public async Task ResultsNotAcknowledged_LaneRevokedWhileWaiting_ItsPartitionIsResumed_AndItsHealthCleared()
    {
        // Arrange
        var publisher = new StuckResultsPublisher { Stuck = true };
        using var harness = new EngineHarness(publisher: publisher);
        var source = harness.Source;
        source.Assign(0, 1)
            .Deliver(EngineHarness.Event(1, 0, id: 2), EngineHarness.Event(1, 1, id: 2, seconds: 45))
            .Advance(s_trigger)
            .Advance(s_flushTimeout)
            .Then(() => harness.Engine.RevokeAsync([1]).GetAwaiter().GetResult());

        // Act
        await harness.RunAsync();

        // Assert: the revoke's final commit could not land (the next owner replays), and nothing stays paused or unhealthy.
        Assert.Equal(["pause 1", "resume 1", "close"], source.Calls);
        Assert.Null(harness.Checkpoint(1));
        var health = await harness.CommitRetry.CheckHealthAsync(new HealthCheckContext(), TestContext.Current.CancellationToken);
        Assert.Equal(HealthStatus.Healthy, health.Status);
    }

    [Fact]
    public async Task ResultsNotAcknowledged_WithExitOnSinkFailure_StopsNamingThePartition()
    {
        // Arrange
        var publisher = new StuckResultsPublisher { Stuck = true };
        using var harness = new EngineHarness(new Dictionary<string, string?> { ["Pipeline:Processor:ExitOnSinkFailure"] = "true" }, publisher);
        harness.Source.Assign(1)
            .Deliver(EngineHarness.Event(1, 0, id: 2), EngineHarness.Event(1, 1, id: 2, seconds: 45))
            .Advance(s_trigger)
            .Advance(s_flushTimeout);

        // Act
        var ex = await Assert.ThrowsAsync<SinkFailedException>(harness.RunAsync);

        // Assert
        Assert.Contains($"partition {EngineHarness.Topic}/1 were not acknowledged", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task IdleAdvance_PartitionWhoseLeaderStoppedAnswering_IsNotIdle_ItsWindowsWaitForItsData_HealthNamesIt()
    {
        // Arrange: the leader answers no offsets request (the client's cached high watermark would say "caught up").
        using var harness = new EngineHarness();
        var source = harness.Source;
        HealthCheckResult? health = null;
        source.Assign(0)
            .Deliver(EngineHarness.Event(0, 0, id: 1), EngineHarness.Event(0, 1, id: 1, seconds: 5))
            .Probe();
        ProbePastTheIdleTimeout(source);

        source.Then(() => health = harness.Service<PartitionHealth>().CheckHealthAsync(new HealthCheckContext()).GetAwaiter().GetResult())
            // The leader is back: its data arrives, and belongs to the window that was open.
            .Deliver(EngineHarness.Event(0, 2, id: 1, seconds: 6))
            .Advance(s_trigger);

        // Act
        await harness.RunAsync();

        // Assert: no window closed while the partition was unreachable, the late data was not late, and health was
        // Degraded naming the partition.
        Assert.Empty(harness.Publisher.Windows);
        Assert.Equal(0, harness.Checkpoint(0)?.LateEvents);
        var open = Assert.Single(harness.Checkpoint(0)!.OpenWindows);
        Assert.Equal(3, open.Count);
        Assert.Equal(HealthStatus.Degraded, health?.Status);
        Assert.Contains($"{EngineHarness.Topic}/0 ", health?.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task IdleAdvance_LeaderConfirmsNothingNew_WindowsCloseAfterTheIdleTimeout_HealthHealthy()
    {
        // Arrange: the leader answers that the log ends at the lane's position (2).
        using var harness = new EngineHarness();
        var source = harness.Source;
        source.Offsets = static _ => new LogOffsets(0, 2);
        HealthCheckResult? health = null;
        source.Assign(0)
            .Deliver(EngineHarness.Event(0, 0, id: 1), EngineHarness.Event(0, 1, id: 1, seconds: 5))
            .Probe();
        ProbePastTheIdleTimeout(source);

        source.Then(() => health = harness.Service<PartitionHealth>().CheckHealthAsync(new HealthCheckContext()).GetAwaiter().GetResult());

        // Act
        await harness.RunAsync();

        // Assert: the idle partition's last window closed with both events.
        var window = Assert.Single(harness.Publisher.Windows);
        Assert.Equal(2, window.Count);
        Assert.Equal(HealthStatus.Healthy, health?.Status);
    }

    /// <summary>
    /// The prober's rounds, one every interval, for longer than the idle timeout and a few triggers: long enough for
    /// a partition the leader confirms idle to close its windows.
    /// </summary>
    private static void ProbePastTheIdleTimeout(ScriptedSource source)
    {
        for (var elapsed = TimeSpan.Zero; elapsed < s_idle + s_trigger * 3; elapsed += s_probeInterval)
        {
            source.Advance(s_probeInterval).Probe();
        }
    }

    /// <summary>Acknowledges every lane's results except partition 1's while <see cref="Stuck"/>; records what each lane published.</summary>
    private sealed class StuckResultsPublisher : IResultPublisher
    {
        public bool Stuck { get; set; }

        public List<(int Partition, WindowAggregate Window)> Windows { get; } = [];

        public void PublishRejected(in SourceMessage message)
        {
        }

        public long PublishWindows(int partition, IReadOnlyList<WindowAggregate> closed)
        {
            Windows.AddRange(closed.Select(w => (partition, w)));
            return Windows.Count;
        }

        public bool TryConfirm(int partition, long mark, TimeSpan wait) => !(Stuck && partition == 1);

        public void Forget(int partition)
        {
        }
    }
}
