using Pipeline.StreamProcessor.Checkpointing;
using Pipeline.StreamProcessor.Sinks;
using Pipeline.StreamProcessor.Storage;
using Pipeline.StreamProcessor.Windowing;
using Pipeline.Tests.Sinks;

namespace Pipeline.Tests.Checkpointing;

public sealed class OrphanCleanerTests : IDisposable
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);

    private readonly TempOutputDirectory _output = new();
    private readonly TestRun _run;
    private readonly OrphanCleaner _sut;

    public OrphanCleanerTests()
    {
        _run = TestRun.Local(_output.Path);
        _sut = _run.Orphans;
    }

    private string RunDirectory => _run.Directory;

    public void Dispose() => _output.Dispose();

    [Fact]
    public async Task DeleteOrphans_CompactionThatDiedBeforeItsDeletes_DeletesTheCoveredFilesAndItsTemporaryFiles()
    {
        // Arrange: [0, 100) compacted in id=1 and the aggregates; its inputs still there; a compaction of id=2 never committed
        string[] deletedFiles =
        [
            "events/id=1/part-events-p1-o00000000000000000000.parquet",
            "events/id=1/part-events-p1-o00000000000000000050.parquet",
            "events/id=1/part-events-p1-o00000000000000000000-c00000000000000000050.parquet", // an earlier compaction
            "aggregates/part-events-p1-o00000000000000000060-w20250301T1200000000000Z.parquet",
            "events/id=2/.part-events-p1-o00000000000000000000-c00000000000000000100.parquet.tmp",
        ];
        string[] kept =
        [
            "events/id=1/part-events-p1-o00000000000000000000-c00000000000000000100.parquet",
            "aggregates/part-events-p1-o00000000000000000000-c00000000000000000100.parquet",
            "events/id=2/part-events-p1-o00000000000000000000.parquet",                       // not compacted yet
            "events/id=2/part-events-p1-o00000000000000000050.parquet",
            "events/id=1/part-events-p2-o00000000000000000050.parquet",                       // another partition
        ];
        foreach (string file in deletedFiles.Concat(kept))
        {
            Touch(file);
        }

        // Act
        int deleted = await _sut.DeleteOrphansAsync("events", 1, checkpointNextOffset: 100, checkpointWatermark: null, cancellationToken: TestContext.Current.CancellationToken);

        // Assert
        Assert.Equal(deletedFiles.Length, deleted);
        Assert.Equal(kept.Order(StringComparer.Ordinal), SinkTestData.RelativeFiles(RunDirectory));
    }

    [Fact]
    public async Task DeleteOrphans_MixedFiles_DeletesExactlyThisPartitionsFilesAtOrBeyondNextOffset()
    {
        // Arrange: names written out literally, so the test pins the on-disk contract.
        string[] orphans =
        [
            "events/id=1/part-events-p1-o00000000000000000100.parquet",          // first offset == next offset
            "events/id=2/part-events-p1-o00000000000000000150.parquet",          // beyond, in another id folder
            "events/id=2/.part-events-p1-o00000000000000000050.parquet.tmp",     // temp file, whatever its offset
            "aggregates/part-events-p1-o00000000000000000100.parquet",
            "aggregates/.part-events-p1-o00000000000000000100.parquet.tmp",
            "_checkpoints/.events-p1.json.tmp",                                  // checkpoint save that never renamed
            "aggregates/part-events-p1-o00000000000000000100-w20250301T1200300000000Z.parquet", // idle batch past the checkpoint's watermark
            "aggregates/part-events-p1-o00000000000000000101-w20250301T1200000000000Z.parquet", // idle batch beyond next offset
        ];
        string[] kept =
        [
            "events/id=1/part-events-p1-o00000000000000000000.parquet",          // committed batches
            "events/id=2/part-events-p1-o00000000000000000050.parquet",
            "aggregates/part-events-p1-o00000000000000000099.parquet",
            "_checkpoints/events-p1.json",
            "aggregates/part-events-p1-o00000000000000000100-w20250301T1200200000000Z.parquet", // idle batch the checkpoint covers
            "aggregates/part-events-p1-o00000000000000000050-w20250301T1200590000000Z.parquet", // idle batch before next offset
            "events/id=1/part-events-p11-o00000000000000000200.parquet",         // other partitions
            "events/id=1/part-events-p2-o00000000000000000200.parquet",
            "events/id=1/.part-events-p2-o00000000000000000200.parquet.tmp",
            "aggregates/part-events-p10-o00000000000000000200.parquet",
            "_checkpoints/.events-p2.json.tmp",
            "events/id=1/part-events2-p1-o00000000000000000200.parquet",         // other topics
            "aggregates/part-other-p1-o00000000000000000200.parquet",
            "events/id=1/part-events-p1-o200.parquet",                           // not our exact name
            "events/id=1/part-events-p1-o00000000000000000200.parquet.bak",
            "events/notes.txt",
            "aggregates/README",
        ];
        foreach (string file in orphans.Concat(kept))
        {
            Touch(file);
        }

        // Act
        int deleted = await _sut.DeleteOrphansAsync("events", 1, checkpointNextOffset: 100, checkpointWatermark: SinkTestData.BaseTime.AddSeconds(20), cancellationToken: TestContext.Current.CancellationToken);

        // Assert
        Assert.Equal(orphans.Length, deleted);
        Assert.Equal(kept.Order(StringComparer.Ordinal), SinkTestData.RelativeFiles(RunDirectory));
    }

    [Fact]
    public async Task DeleteOrphans_NoCheckpointYet_DeletesEveryFileOfThePartition()
    {
        // Arrange
        Touch("events/id=3/part-events-p0-o00000000000000000000.parquet");
        Touch("aggregates/part-events-p0-o00000000000000000000.parquet");
        Touch("events/id=3/part-events-p1-o00000000000000000000.parquet");

        // Act
        int deleted = await _sut.DeleteOrphansAsync("events", 0, checkpointNextOffset: 0, checkpointWatermark: null, cancellationToken: TestContext.Current.CancellationToken);

        // Assert
        Assert.Equal(2, deleted);
        Assert.Equal(["events/id=3/part-events-p1-o00000000000000000000.parquet"], SinkTestData.RelativeFiles(RunDirectory));
    }

    [Theory]
    [InlineData(99, 30, false)]   // the checkpoint moved past the idle batch's offset
    [InlineData(100, 30, false)]  // same offset, the checkpoint's watermark is the idle batch's own
    [InlineData(100, 31, false)]  // same offset, a later checkpoint
    [InlineData(100, 29, true)]   // same offset, the idle batch's checkpoint never landed
    [InlineData(101, 30, true)]   // beyond the checkpoint
    public async Task DeleteOrphans_IdleBatchFile_KeptOnlyWhenTheCheckpointCoversIt(long idleOffset, int checkpointWatermarkSecond, bool deletedExpected)
    {
        // Arrange
        string name = OutputLayout.IdleBatchFileName("events", 0, idleOffset, SinkTestData.BaseTime.AddSeconds(30));
        Touch("aggregates/" + name);
        var checkpoint = new PartitionCheckpoint("events", 0, 100, null, SinkTestData.BaseTime.AddSeconds(checkpointWatermarkSecond), [], 0);

        // Act
        int deleted = await _sut.DeleteOrphansAsync("events", 0, checkpoint, cancellationToken: TestContext.Current.CancellationToken);

        // Assert
        Assert.Equal(deletedExpected ? 1 : 0, deleted);
        Assert.Equal(!deletedExpected, File.Exists(Path.Combine(RunDirectory, "aggregates", name)));
    }

    [Fact]
    public async Task DeleteOrphans_NullCheckpoint_DeletesIdleBatchFilesToo()
    {
        // Arrange
        Touch("aggregates/" + OutputLayout.IdleBatchFileName("events", 0, 0, SinkTestData.BaseTime));

        // Act
        int deleted = await _sut.DeleteOrphansAsync("events", 0, checkpoint: null, cancellationToken: TestContext.Current.CancellationToken);

        // Assert
        Assert.Equal(1, deleted);
    }

    [Fact]
    public async Task DeleteOrphans_NoOutputYet_DeletesNothing()
    {
        // Act
        int deleted = await _sut.DeleteOrphansAsync("events", 0, checkpointNextOffset: 0, checkpointWatermark: null, cancellationToken: TestContext.Current.CancellationToken);

        // Assert
        Assert.Equal(0, deleted);
        Assert.False(Directory.Exists(RunDirectory));
    }

    [Fact]
    public async Task DeleteOrphans_BatchWrittenWithoutCheckpoint_RemovesItSoTheReplayRewritesIt()
    {
        // Arrange: batch [0, 10) committed with its checkpoint; batch [10, 20) written, then a crash before its checkpoint.
        CancellationToken ct = TestContext.Current.CancellationToken;
        var writer = _run.Writer();
        WindowAggregate[] windows = [new(SinkTestData.BaseTime, SinkTestData.BaseTime.AddSeconds(10), 0, 1, 1.0, 1.0, 1.0)];
        RawEventBatch committed = SinkTestData.ToBatch(SinkTestData.Rows(4, 0, 10));
        BatchFiles kept = await writer.WriteAsync("events", 4, 0, committed, windows, ct).WaitAsync(s_timeout, ct);
        RawEventBatch unfinished = SinkTestData.ToBatch(SinkTestData.Rows(4, 10, 10));
        BatchFiles orphaned = await writer.WriteAsync("events", 4, 10, unfinished, windows, ct).WaitAsync(s_timeout, ct);
        RawEventBatch otherPartition = SinkTestData.ToBatch(SinkTestData.Rows(5, 10, 10));
        BatchFiles otherFiles = await writer.WriteAsync("events", 5, 10, otherPartition, windows, ct).WaitAsync(s_timeout, ct);

        // Act
        int deleted = await _sut.DeleteOrphansAsync("events", 4, checkpointNextOffset: 10, checkpointWatermark: null, cancellationToken: TestContext.Current.CancellationToken);

        // Assert
        Assert.Equal(orphaned.FileCount, deleted);
        Assert.All(orphaned.RawFiles, f => Assert.False(File.Exists(f.Path)));
        Assert.False(File.Exists(orphaned.AggregateFile!.Value.Path));
        Assert.All(kept.RawFiles.Concat(otherFiles.RawFiles), f => Assert.True(File.Exists(f.Path)));
        Assert.True(File.Exists(kept.AggregateFile!.Value.Path));
        Assert.True(File.Exists(otherFiles.AggregateFile!.Value.Path));
    }

    private void Touch(string relativePath)
    {
        string path = Path.Combine(RunDirectory, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, relativePath);
    }
}
