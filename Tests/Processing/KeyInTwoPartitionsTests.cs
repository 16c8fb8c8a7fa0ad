using Microsoft.Extensions.Logging;
using Pipeline.StreamProcessor.Sinks;
using Pipeline.StreamProcessor.Windowing;

namespace Pipeline.Tests.Processing;

/// <summary>
/// The documented semantic when the producer does not key by id: windows are kept per input partition, so an id whose
/// events reach two partitions gets two partial windows, each the aggregate of its own partition's events, and the
/// engine warns once, the first time the id shows up in the second partition.
/// </summary>
public sealed class KeyInTwoPartitionsTests
{
    private const int SplitId = 7;
    private static readonly TimeSpan s_trigger = new SinkOptions().TriggerInterval;
    private static readonly TimeSpan s_windowSize = new WindowingOptions().WindowSize;
    private static readonly TimeSpan s_watermarkDelay = new WindowingOptions().WatermarkDelay;

    [Fact]
    public async Task IdInTwoPartitions_GetsOnePartialWindowPerPartition_EachItsPartitionsEvents_AndOneWarning()
    {
        // Arrange: id 7's events of the first window go to partition 0 (values 1, 3), then to partition 1 (10, 20, 30):
        // the first of those is the conflict, the two after it must not be reported again.
        using var harness = new EngineHarness();
        var source = harness.Source;
        // An event this far past the window's end moves each partition's watermark past it, so the window closes.
        double closingSeconds = (s_windowSize + s_watermarkDelay).TotalSeconds + 5;
        source.Assign(0, 1)
            .Deliver(
                EngineHarness.Event(0, 0, SplitId, value: 1, seconds: 0),
                EngineHarness.Event(0, 1, SplitId, value: 3, seconds: 4))
            .Deliver(
                EngineHarness.Event(1, 0, SplitId, value: 10, seconds: 2),
                EngineHarness.Event(1, 1, SplitId, value: 20, seconds: 6),
                EngineHarness.Event(1, 2, SplitId, value: 30, seconds: 8))
            // Other ids, one per partition, so only id 7 is split.
            .Deliver(EngineHarness.Event(0, 2, id: 100, seconds: closingSeconds), EngineHarness.Event(1, 3, id: 101, seconds: closingSeconds))
            .Advance(s_trigger)
            .Advance(s_trigger);

        // Act
        await harness.RunAsync();

        // Assert: two partial windows of id 7 over the same interval, one per partition, each with its partition's events only.
        var split = harness.Publisher.WindowsByPartition
            .Where(static w => w.Window.Id == SplitId)
            .OrderBy(static w => w.Partition)
            .ToList();
        var start = EngineHarness.T0;
        var end = EngineHarness.T0 + s_windowSize;
        Assert.Equal(
            [
                (0, new WindowAggregate(start, end, SplitId, Count: 2, Sum: 4, Min: 1, Max: 3)),
                (1, new WindowAggregate(start, end, SplitId, Count: 3, Sum: 60, Min: 10, Max: 30)),
            ],
            split);

        // Assert: one warning, naming the id, the partition it reached second and the one that saw it first.
        var warning = Assert.Single(harness.Logs.Entries, static e => e.Name == "KeyInTwoPartitions");
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Equal(SplitId, warning.Values["Id"]);
        Assert.Equal(1, warning.Values["Partition"]);
        Assert.Equal(0, warning.Values["Owner"]);
    }
}
