using System.Diagnostics.Metrics;
using Pipeline.StreamProcessor.Processing;
using Pipeline.StreamProcessor.Sinks;
using Pipeline.StreamProcessor.Telemetry;

namespace Pipeline.Tests.Processing;

/// <summary>
/// A lane resuming from its checkpoint into a log that no longer holds it: offsets deleted by retention (counted, logged,
/// skipped, or the run stops under FailOnDataLoss), and a topic recreated behind the checkpoint (refused).
/// </summary>
public sealed class LogRangeTests
{
    private static readonly TimeSpan s_trigger = new SinkOptions().TriggerInterval;

    [Fact]
    public async Task Assign_CheckpointBelowTheLogStart_LostOffsetsLoggedWithTheirRange_ResumesAtTheLogStart()
    {
        // Arrange: offsets 0-4 committed; then retention deletes up to 9 while the partition is elsewhere.
        using var harness = new EngineHarness();
        var source = harness.Source;
        List<(long Value, string? Partition)> lostMeasured = [];
        using var listener = new MeterListener();
        var instrument = harness.Service<ProcessorTelemetry>().OffsetsLost;
        listener.InstrumentPublished = (published, l) =>
        {
            if (ReferenceEquals(published, instrument))
            {
                l.EnableMeasurementEvents(published);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            string? partition = null;
            foreach (var tag in tags)
            {
                partition = tag.Key == ProcessorTelemetryNames.Tags.Partition ? tag.Value as string : partition;
            }

            lostMeasured.Add((value, partition));
        });
        listener.Start();
        IReadOnlyList<(int Partition, long? StartAt)>? starts = null;
        CommitFive(harness)
            .Then(() =>
            {
                source.Offsets = static _ => new LogOffsets(10, 20);
                starts = harness.Engine.AssignAsync([0]).GetAwaiter().GetResult();
            })
            .Deliver(EngineHarness.Event(0, 10, id: 1));

        // Act
        await harness.RunAsync();

        // Assert
        Assert.Equal([(0, (long?)10)], starts ?? []);
        var lost = Assert.Single(harness.Logs.Entries, static e => e.Name == "OffsetsLost");
        Assert.Equal((5L, 9L, 5L), ((long)lost.Values["FirstLost"]!, (long)lost.Values["LastLost"]!, (long)lost.Values["Lost"]!));
        Assert.Equal([(5L, "0")], lostMeasured);
        Assert.Equal(11, harness.Checkpoint(0)?.NextOffset);
    }

    [Fact]
    public async Task Assign_CheckpointBelowTheLogStart_WithFailOnDataLoss_Stops()
    {
        // Arrange
        using var harness = new EngineHarness(new Dictionary<string, string?> { ["Pipeline:Processor:FailOnDataLoss"] = "true" });
        CommitFive(harness).Then(() =>
        {
            harness.Source.Offsets = static _ => new LogOffsets(10, 20);
            harness.Engine.AssignAsync([0]).GetAwaiter().GetResult();
        });

        // Act
        var ex = await Assert.ThrowsAsync<DataLossException>(harness.RunAsync);

        // Assert
        Assert.Contains($"{EngineHarness.Topic}/0: offsets 5 to 9 (5)", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Pipeline:Processor:FailOnDataLoss", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Assign_CheckpointBeyondTheLogEnd_TopicRecreated_IsRefusedNamingTheOffsetsAndTheWayOut()
    {
        // Arrange: the topic was recreated and holds 3 messages; the checkpoint resumes at 5.
        using var harness = new EngineHarness();
        CommitFive(harness).Then(() =>
        {
            harness.Source.Offsets = static _ => new LogOffsets(0, 3);
            harness.Engine.AssignAsync([0]).GetAwaiter().GetResult();
        });

        // Act
        var ex = await Assert.ThrowsAsync<CheckpointBeyondLogException>(harness.RunAsync);

        // Assert
        Assert.Equal((EngineHarness.Topic, 0, 5L, 3L), (ex.Topic, ex.Partition, ex.CheckpointOffset, ex.HighWatermark));
        Assert.Contains("resumes at offset 5, but the partition's log ends at offset 3", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Pipeline:Output:RunId", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Assign_FreshPartitionWhoseLogStartMoved_IsNoLoss()
    {
        // Arrange: the partition was fenced (checkpoint at 0) but nothing was committed; the log now starts at 10.
        using var harness = new EngineHarness();
        var source = harness.Source;
        IReadOnlyList<(int Partition, long? StartAt)>? starts = null;
        source.Assign(0)
            .Then(() => harness.Engine.RevokeAsync([0]).GetAwaiter().GetResult())
            .Then(() =>
            {
                source.Offsets = static _ => new LogOffsets(10, 20);
                starts = harness.Engine.AssignAsync([0]).GetAwaiter().GetResult();
            });

        // Act
        await harness.RunAsync();

        // Assert: it starts where the log starts, and nothing was lost.
        Assert.Equal([(0, (long?)0)], starts ?? []);
        Assert.DoesNotContain(harness.Logs.Entries, static e => e.Name == "OffsetsLost");
    }

    [Fact]
    public async Task OffsetOutOfRangeDuringTheRun_GoesOnFromTheLogStart_CountingTheLoss()
    {
        // Arrange: the lane is at 5 when retention deletes up to 7.
        using var harness = new EngineHarness();
        long? resumeAt = null;
        CommitFive(harness).Assign(0).Then(() =>
        {
            harness.Source.Offsets = static _ => new LogOffsets(8, 9);
            resumeAt = harness.Engine.OffsetOutOfRange(0);
        });

        // Act
        await harness.RunAsync();

        // Assert
        Assert.Equal(8, resumeAt);
        var lost = Assert.Single(harness.Logs.Entries, static e => e.Name == "OffsetsLost");
        Assert.Equal((5L, 7L), ((long)lost.Values["FirstLost"]!, (long)lost.Values["LastLost"]!));
    }

    /// <summary>Offsets 0-4 of partition 0 committed, then the partition revoked.</summary>
    private static ScriptedSource CommitFive(EngineHarness harness) => harness.Source.Assign(0)
        .Deliver([.. Enumerable.Range(0, 5).Select(static i => EngineHarness.Event(0, i, id: 1))])
        .Advance(s_trigger)
        .Then(() => harness.Engine.RevokeAsync([0]).GetAwaiter().GetResult());
}
