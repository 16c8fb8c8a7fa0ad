using Pipeline.StreamProcessor;
using Pipeline.StreamProcessor.Extensions;
using Pipeline.StreamProcessor.Processing;
using Pipeline.StreamProcessor.Reporting;
using Pipeline.StreamProcessor.Sinks;

namespace Pipeline.Tests.Processing;

/// <summary>
/// The progress report and the commit log line on the engine's fake clock: what a snapshot shows after a commit
/// (offsets equal to the checkpoint's, the last commit's rows, state, rates over the recent interval, the leader's
/// answer), and at most one Information line per partition per <see cref="ProcessorOptions.CommitLogInterval"/>.
/// </summary>
public sealed class ProgressTests : IDisposable
{
    private static readonly TimeSpan s_trigger = new SinkOptions().TriggerInterval;
    private readonly EngineHarness _harness = new();

    public void Dispose() => _harness.Dispose();

    [Fact]
    public async Task Snapshot_AfterACommit_ShowsTheCheckpointOffsetTheCommitsRowsStateRatesAndTheLeader()
    {
        // Arrange: three events of two ids in one window, committed at the trigger; the leader says its log ends at 10.
        ProgressSnapshot? afterCommit = null;
        _harness.Source.Offsets = static _ => new LogOffsets(0, 10);
        _harness.Source.Assign(0)
            .Deliver(EngineHarness.Event(0, 0, id: 1), EngineHarness.Event(0, 1, id: 2), EngineHarness.Event(0, 2, id: 1))
            .Probe()
            .Advance(s_trigger) // the snapshot (taken before the trigger's commit) sees 3 consumed, none committed
            .Advance(TimeSpan.FromSeconds(1)) // the next one sees the commit
            .Then(() => afterCommit = _harness.Service<ProgressTracker>().Current);

        // Act
        await _harness.RunAsync();

        // Assert
        var snapshot = Assert.IsType<ProgressSnapshot>(afterCommit);
        var partition = Assert.Single(snapshot.Partitions);
        Assert.Equal(_harness.Checkpoint(0)?.NextOffset, partition.CommittedOffset);
        Assert.Equal(3, partition.CommittedOffset);
        Assert.Equal(3, partition.Position);
        Assert.Equal(3, partition.LastCommit?.Rows);
        Assert.Equal(1, partition.Commits);
        Assert.Equal(1, partition.OpenWindows); // one interval...
        Assert.Equal(2, partition.StateRows); // ...held for two ids
        // Over the 6 s since the assignment's snapshot: 3 consumed, 3 committed.
        Assert.Equal(0.5, partition.InputRate);
        Assert.Equal(0.5, partition.ProcessingRate);
        var report = ProgressEndpoint.Build(snapshot, _harness.Service<PartitionProber>(), new ProcessorOptions { Topic = EngineHarness.Topic },
            EngineHarness.RunId, snapshot.At!.Value);
        var reported = Assert.Single(report.Partitions);
        Assert.Equal(10, reported.LogEndOffset);
        Assert.Equal(7, reported.Lag);
        Assert.True(reported.LeaderAnswering);
        Assert.Equal(7, report.Totals.Lag);
        Assert.Equal(2, report.Totals.StateRows);
    }

    [Fact]
    public async Task CommitLog_CommitsWithinTheInterval_AreSummedIntoTheNextLineAtInformation()
    {
        // Arrange: a commit every trigger interval (5 s), one line per 20 s at most.
        using var harness = new EngineHarness(new Dictionary<string, string?> { ["Pipeline:Processor:CommitLogInterval"] = "00:00:20" });
        harness.Source.Assign(0);
        for (var offset = 0; offset < 5; offset++)
        {
            harness.Source.Deliver(EngineHarness.Event(0, offset, id: 1)).Advance(s_trigger);
        }

        // Act
        await harness.RunAsync();

        // Assert: the first commit at once (t=5 s); those at 10, 15 and 20 s are held; the one at 25 s, 20 s after the
        // last line, sums the four since.
        var lines = harness.Logs.Entries.Where(static e => e.Name == "CommitsSummarized").ToList();
        Assert.Equal(2, lines.Count);
        Assert.Equal([1, 0L, 1L, 1L], Values(lines[0]));
        Assert.Equal([4, 1L, 5L, 4L], Values(lines[1]));
        Assert.DoesNotContain(harness.Logs.Entries, static e => e.Name == "BatchCommitted"); // Debug only

        static object?[] Values(CapturedLog line) =>
            [line.Values["Commits"], line.Values["FirstOffset"], line.Values["NextOffset"], line.Values["Rows"]];
    }

    [Theory]
    [InlineData("00:00:00", true)]
    [InlineData("-00:00:01", false)]
    public void Validate_CommitLogInterval_ZeroOrMoreIsValid_NegativeFailsNamingTheSetting(string interval, bool valid)
    {
        // Arrange
        var options = new ProcessorOptions { CommitLogInterval = TimeSpan.Parse(interval, System.Globalization.CultureInfo.InvariantCulture) };

        // Act
        var result = new ProcessorOptionsValidator().Validate(null, options);

        // Assert
        Assert.Equal(valid, result.Succeeded);
        if (!valid)
        {
            Assert.Contains(result.Failures!, static f => f.StartsWith("Pipeline:Processor:CommitLogInterval must be zero", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task CommitLog_CommitsHeldWhenTheProcessorStops_AreToldInALastLine()
    {
        // Arrange: commits at 5 s (logged) and 10 s (held: within the 20 s interval), then the stop.
        using var harness = new EngineHarness(new Dictionary<string, string?> { ["Pipeline:Processor:CommitLogInterval"] = "00:00:20" });
        harness.Source.Assign(0)
            .Deliver(EngineHarness.Event(0, 0, id: 1)).Advance(s_trigger)
            .Deliver(EngineHarness.Event(0, 1, id: 1)).Advance(s_trigger);

        // Act
        await harness.RunAsync();

        // Assert
        var lines = harness.Logs.Entries.Where(static e => e.Name == "CommitsSummarized").ToList();
        Assert.Equal(2, lines.Count);
        Assert.Equal(1, lines[1].Values["Commits"]);
        Assert.Equal(1L, lines[1].Values["FirstOffset"]);
        Assert.Equal(2L, lines[1].Values["NextOffset"]);
    }

    [Fact]
    public async Task CommitLog_ZeroInterval_LogsEveryCommit()
    {
        // Arrange
        using var harness = new EngineHarness(new Dictionary<string, string?> { ["Pipeline:Processor:CommitLogInterval"] = "00:00:00" });
        harness.Source.Assign(0)
            .Deliver(EngineHarness.Event(0, 0, id: 1)).Advance(s_trigger)
            .Deliver(EngineHarness.Event(0, 1, id: 1)).Advance(s_trigger);

        // Act
        await harness.RunAsync();

        // Assert
        Assert.Equal(2, harness.Logs.Entries.Count(static e => e.Name == "CommitsSummarized"));
    }
}
