using Pipeline.StreamProcessor.Processing;
using Pipeline.StreamProcessor.Sinks;
using Pipeline.StreamProcessor.Windowing;

namespace Pipeline.Tests.Processing;

/// <summary>
/// The engine when one partition of the cluster is in trouble: a results topic partition that does not acknowledge
/// (only its lane waits), and an input partition whose leader stopped answering (it is not idle).
/// </summary>
public sealed class PartitionTroubleTests
{
    private static readonly TimeSpan s_trigger = new SinkOptions().TriggerInterval;
    private static readonly TimeSpan s_idle = new WindowingOptions().IdleTimeout;

    [Fact]
    public async Task ResultsNotAcknowledgedForOneLane_OnlyThatLaneWaits_OthersKeepCommitting_NothingRepublished()
    {
        // Arrange: partition 1's windows (id 2) go to a results partition that does not acknowledge.
        var publisher = new StuckResultsPublisher { Stuck = true };
        using var harness = new EngineHarness(publisher: publisher);
        var source = harness.Source;
        source.Assign(0, 1)
            .Deliver(EngineHarness.Event(0, 0, id: 1), EngineHarness.Event(0, 1, id: 1, seconds: 45))
            .Deliver(EngineHarness.Event(1, 0, id: 2), EngineHarness.Event(1, 1, id: 2, seconds: 45))
            .Advance(s_trigger)
            .Advance(TimeSpan.FromSeconds(31))
            .Deliver(EngineHarness.Event(0, 2, id: 1, seconds: 46))
            .Advance(s_trigger)
            .Advance(s_trigger)
            .Then(() => publisher.Stuck = false)
            .Advance(TimeSpan.FromMinutes(1))
            .Advance(s_trigger);

        // Act
        await harness.RunAsync();

        // Assert: partition 0 committed all along; partition 1 committed once its results were acknowledged; each
        // window was published once.
        Assert.Equal(3, harness.Checkpoint(0)?.NextOffset);
        Assert.Equal(2, harness.Checkpoint(1)?.NextOffset);
        Assert.Contains("commit 0@2", source.Calls);
        Assert.Equal(1, publisher.Windows.Count(static w => w.Id == 2));
    }

    [Fact]
    public async Task IdleAdvance_PartitionWhoseLeaderStoppedAnswering_IsNotIdle_ItsWindowsWaitForItsData()
    {
        // Arrange: the client's cached high watermark says "caught up", but no fetch or offsets request is answered.
        using var harness = new EngineHarness();
        var source = harness.Source;
        source.CaughtUp = static (_, _) => true;
        source.Assign(0)
            .Deliver(EngineHarness.Event(0, 0, id: 1), EngineHarness.Event(0, 1, id: 1, seconds: 5))
            .Advance(s_trigger)
            .Advance(s_idle)
            .Advance(s_trigger)
            .Advance(s_trigger)
            // The leader is back: its data arrives, and belongs to the window that was open.
            .Deliver(EngineHarness.Event(0, 2, id: 1, seconds: 6))
            .Advance(s_trigger);

        // Act
        await harness.RunAsync();

        // Assert: no window closed while the partition was unreachable, and the late data was not late.
        Assert.Empty(harness.Publisher.Windows);
        Assert.Equal(0, harness.Checkpoint(0)?.LateEvents);
        var open = Assert.Single(harness.Checkpoint(0)!.OpenWindows);
        Assert.Equal(3, open.Count);
    }

    /// <summary>A results producer whose windows of id 2 (partition 1) are never acknowledged while <see cref="Stuck"/>.</summary>
    private sealed class StuckResultsPublisher : IResultPublisher
    {
        private bool _pending;

        public bool Stuck { get; set; }

        public List<WindowAggregate> Windows { get; } = [];

        public void PublishRejected(in SourceMessage message)
        {
        }

        public void PublishWindows(IReadOnlyList<WindowAggregate> closed)
        {
            Windows.AddRange(closed);
            _pending |= closed.Any(static w => w.Id == 2);
        }

        public void Flush(TimeSpan timeout)
        {
            if (_pending && Stuck)
            {
                throw new TimeoutException($"1 dead-letter/window message(s) not acknowledged within {timeout}.");
            }

            _pending = false;
        }
    }
}
