using Pipeline.StreamProcessor.Sinks;
using Pipeline.StreamProcessor.Storage;

namespace Pipeline.Tests.Processing;

/// <summary>The engine compacting its partitions' files as it commits (<see cref="SinkOptions.CompactionInterval"/>).</summary>
public sealed class CompactionEngineTests
{
    private static readonly TimeSpan s_trigger = new SinkOptions().TriggerInterval;

    [Fact]
    public async Task Run_WithACompactionInterval_LeavesFewFilesPerStreamAndEachEventOnceInAGlob()
    {
        // Arrange: compaction every 2 triggers; 12 triggers of one partition, each with an event of ids 1 and 2
        using var harness = new EngineHarness(new Dictionary<string, string?>
        {
            [$"{SinkOptions.SectionName}:{nameof(SinkOptions.CompactionInterval)}"] = "00:00:10", // two triggers
        });
        const int Triggers = 12;
        harness.Source.Assign(0);
        long offset = 0;
        for (int trigger = 0; trigger < Triggers; trigger++)
        {
            harness.Source
                .Deliver(EngineHarness.Event(0, offset++, id: 1, seconds: trigger * 5), EngineHarness.Event(0, offset++, id: 2, seconds: trigger * 5))
                .Advance(s_trigger)       // the batch is due: committed, then the compaction starts when its interval has passed
                .WaitForCompactions();
        }

        // Act
        await harness.RunAsync();

        // Assert: per id a compacted file and at most two small ones after it (the last compaction may have taken them all); a glob of the folder reads each event once
        var ct = TestContext.Current.CancellationToken;
        foreach (int id in new[] { 1, 2 })
        {
            string[] files = [.. Directory.GetFiles(harness.Run.PathOf(OutputLayout.IdFolder(id)), "*.parquet").Select(static f => Path.GetFileName(f)).Order(StringComparer.Ordinal)];
            Assert.InRange(files.Length, 1, 3);
            Assert.StartsWith(OutputLayout.BatchFilePrefix(EngineHarness.Topic, 0) + OutputLayout.FormatOffset(0) + "-c", files[0], StringComparison.Ordinal);
        }

        var globbed = new List<long>();
        foreach (string path in Directory.GetFiles(harness.Run.PathOf(OutputLayout.EventsFolder), "*.parquet", SearchOption.AllDirectories))
        {
            string name = Path.GetRelativePath(harness.Run.Directory, path).Replace(Path.DirectorySeparatorChar, '/');
            await foreach (var row in harness.Run.Reader.ReadEventFileAsync(name, ct))
            {
                globbed.Add(row.KafkaOffset);
            }
        }

        Assert.Equal(Enumerable.Range(0, 2 * Triggers).Select(static o => (long)o), globbed.Order());
        Assert.Equal(2L * Triggers, (await harness.Run.Reader.CountRowsByIdAsync(ct)).Values.Sum());
        Assert.Equal(2 * Triggers, harness.Checkpoint(0)?.NextOffset);
    }
}
