using Parquet;
using Pipeline.StreamProcessor.Checkpointing;
using Pipeline.StreamProcessor.Inspection;
using Pipeline.StreamProcessor.Processing;
using Pipeline.StreamProcessor.Sinks;
using Pipeline.StreamProcessor.Storage;
using Pipeline.StreamProcessor.Windowing;
using Pipeline.Tests.Processing;

namespace Pipeline.Tests.Sinks;

/// <summary>
/// The compaction of a partition's committed files (<see cref="ParquetCompactor"/>), on each storage: what it merges, what
/// it leaves, and what a crash in the middle of it leaves for the next assignment.
/// </summary>
public abstract class ParquetCompactorTests : IDisposable
{
    protected const string Topic = EngineHarness.Topic;
    protected const string RunId = "compact";
    private const int Partition = 1;
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);
    private readonly List<EngineHarness> _harnesses = [];

    /// <summary>A fresh run, and the settings that point an engine at it.</summary>
    private protected abstract Task<(TestRun Run, Dictionary<string, string?> EngineSettings)> CreateRunAsync(CancellationToken cancellationToken);

    public virtual void Dispose()
    {
        foreach (var harness in _harnesses)
        {
            harness.Dispose();
        }

        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task CompactAsync_SmallCommittedFiles_MergesEachStreamIntoOneFileInOffsetOrderAndDeletesThem()
    {
        // Arrange: three batches [0, 12) of two ids, each with one closed window
        var ct = TestContext.Current.CancellationToken;
        var (run, _) = await CreateRunAsync(ct);
        var rows = await CommitAsync(run, [(0, 4), (4, 4), (8, 4)], withWindows: true, ct);
        var ownership = await OwnAsync(run, ct);

        // Act
        var result = await run.Compactor().CompactAsync(ownership, boundary: 12, ct).WaitAsync(s_timeout, ct);

        // Assert: one file per stream, named by the range, every row in offset order; the inputs gone
        string compacted = OutputLayout.CompactedFileName(Topic, Partition, 0, 12);
        Assert.Equal(3, result.FilesWritten);
        Assert.Equal(9, result.InputsReplaced);
        Assert.Equal(
            ["aggregates/" + compacted, OutputLayout.IdFolder(0) + compacted, OutputLayout.IdFolder(1) + compacted],
            await ListAsync(run, "", ct));
        foreach (int id in new[] { 0, 1 })
        {
            Assert.Equal(rows.Where(r => r.Id == id), await SinkTestData.ReadRawFileAsync(run.Reader, OutputLayout.IdFolder(id) + compacted, ct));
        }

        var windows = await run.Reader.ReadAggregateFileAsync("aggregates/" + compacted, ct).ToListAsync(ct);
        Assert.Equal([0L, 4L, 8L], windows.Select(w => w.Count - 100));
    }

    [Fact]
    public async Task CompactAsync_FileAtTheTargetSize_IsFinalAndTheNextCompactionStartsAfterIt()
    {
        // Arrange: [0, 8) compacted once; then two more batches
        var ct = TestContext.Current.CancellationToken;
        var (run, _) = await CreateRunAsync(ct);
        await CommitAsync(run, [(0, 4), (4, 4)], withWindows: false, ct);
        await run.Compactor().CompactAsync(await OwnAsync(run, ct), boundary: 8, ct).WaitAsync(s_timeout, ct);
        await CommitAsync(run, [(8, 4), (12, 4)], withWindows: false, ct);
        string first = OutputLayout.CompactedFileName(Topic, Partition, 0, 8);
        long target = Math.Min(await LengthAsync(run, OutputLayout.IdFolder(0) + first, ct), await LengthAsync(run, OutputLayout.IdFolder(1) + first, ct));
        Assert.True(await LengthAsync(run, OutputLayout.IdFolder(0) + OutputLayout.BatchFileName(Topic, Partition, 8), ct) < target);

        // Act
        await run.Compactor(targetBytes: target).CompactAsync(await OwnAsync(run, ct), boundary: 16, ct).WaitAsync(s_timeout, ct);

        // Assert: the first compacted file stays as it was, the small ones after it are merged
        string second = OutputLayout.CompactedFileName(Topic, Partition, 8, 16);
        Assert.Equal([first, second], await ListAsync(run, OutputLayout.IdFolder(0), ct, fileNamesOnly: true));
        Assert.Equal([first, second], await ListAsync(run, OutputLayout.IdFolder(1), ct, fileNamesOnly: true));
    }

    [Fact]
    public async Task CompactAsync_AFileMoreThanTwiceTheNewerOnes_IsLeftUntilTheyAddUp()
    {
        // Arrange: a large compacted file [0, 2000) of two large batches, then two small batches after it
        var ct = TestContext.Current.CancellationToken;
        var (run, _) = await CreateRunAsync(ct);
        var rows = await CommitAsync(run, [(0, 1000), (1000, 1000)], withWindows: false, ct, ids: 1);
        await run.Compactor().CompactAsync(await OwnAsync(run, ct), boundary: 2000, ct).WaitAsync(s_timeout, ct);
        rows.AddRange(await CommitAsync(run, [(2000, 4), (2004, 4)], withWindows: false, ct, ids: 1));
        string large = OutputLayout.CompactedFileName(Topic, Partition, 0, 2000);
        string small = OutputLayout.BatchFileName(Topic, Partition, 2000);
        Assert.True(await LengthAsync(run, OutputLayout.IdFolder(0) + large, ct) > 4 * await LengthAsync(run, OutputLayout.IdFolder(0) + small, ct));

        // Act
        await run.Compactor().CompactAsync(await OwnAsync(run, ct), boundary: 2008, ct).WaitAsync(s_timeout, ct);

        // Assert: the small ones merged beside it, not into it (rewriting it for them would be the cost the ratio avoids)
        string merged = OutputLayout.CompactedFileName(Topic, Partition, 2000, 2008);
        Assert.Equal([large, merged], await ListAsync(run, OutputLayout.IdFolder(0), ct, fileNamesOnly: true));
        Assert.Equal(rows.Skip(2000), await SinkTestData.ReadRawFileAsync(run.Reader, OutputLayout.IdFolder(0) + merged, ct));
    }

    [Fact]
    public async Task CompactAsync_RowGroupSize_WritesRowGroupsOfAtMostThatManyRows()
    {
        // Arrange: 20 rows of one id in two files of one row group each
        var ct = TestContext.Current.CancellationToken;
        var (run, _) = await CreateRunAsync(ct);
        var rows = await CommitAsync(run, [(0, 10), (10, 10)], withWindows: false, ct, ids: 1);

        // Act
        await run.Compactor(rowGroupSize: 3).CompactAsync(await OwnAsync(run, ct), boundary: 20, ct).WaitAsync(s_timeout, ct);

        // Assert
        string name = OutputLayout.IdFolder(0) + OutputLayout.CompactedFileName(Topic, Partition, 0, 20);
        await using var stream = await run.Storage.OpenReadAsync(name, ct);
        await using var reader = await ParquetReader.CreateAsync(stream!, cancellationToken: ct);
        var groups = Enumerable.Range(0, reader.RowGroupCount).Select(g =>
        {
            using var rowGroup = reader.OpenRowGroupReader(g);
            return rowGroup.RowCount;
        }).ToList();
        Assert.Equal([3L, 3, 3, 3, 3, 3, 2], groups);
        Assert.Equal(rows, await SinkTestData.ReadRawFileAsync(run.Reader, name, ct));
    }

    [Fact]
    public async Task CompactAsync_FilesAtOrBeyondTheBoundary_AreLeftForALaterRound()
    {
        // Arrange: committed up to 8; a batch at 8 in flight, and an idle batch's windows at 8
        var ct = TestContext.Current.CancellationToken;
        var (run, _) = await CreateRunAsync(ct);
        await CommitAsync(run, [(0, 4), (4, 4)], withWindows: true, ct);
        var ownership = await OwnAsync(run, ct);
        var watermark = SinkTestData.BaseTime.AddMinutes(1);
        await run.Writer().WriteIdleWindowsAsync(Topic, Partition, 8, watermark, [Window(8)], ct, ownership);
        await run.Writer().WriteAsync(Topic, Partition, 8, SinkTestData.ToBatch(SinkTestData.Rows(Partition, 8, 4, ids: 2)), [Window(9)], ct, ownership);

        // Act
        await run.Compactor().CompactAsync(ownership, boundary: 8, ct).WaitAsync(s_timeout, ct);

        // Assert
        string compacted = OutputLayout.CompactedFileName(Topic, Partition, 0, 8);
        Assert.Equal(
            [compacted, OutputLayout.IdleBatchFileName(Topic, Partition, 8, watermark), OutputLayout.BatchFileName(Topic, Partition, 8)],
            await ListAsync(run, OutputLayout.AggregatesFolder, ct, fileNamesOnly: true));
        Assert.Equal([compacted, OutputLayout.BatchFileName(Topic, Partition, 8)], await ListAsync(run, OutputLayout.IdFolder(0), ct, fileNamesOnly: true));
    }

    [Fact]
    public async Task CompactAsync_CrashAfterTheCommitBeforeTheDeletes_LiveSetExact_AndTheNextAssignmentDeletesTheCoveredFiles()
    {
        // Arrange
        var ct = TestContext.Current.CancellationToken;
        var (run, engineSettings) = await CreateRunAsync(ct);
        var rows = await CommitAsync(run, [(0, 4), (4, 4), (8, 4)], withWindows: true, ct);
        var crashing = new FailingStorage(run.Storage) { FailAfterCommit = static name => name.Contains("-c", StringComparison.Ordinal) };
        var compactor = new TestRun(crashing).Compactor();
        var ownership = await OwnAsync(run, ct);

        // Act: the first stream's (id=0) compacted file commits, then the process "dies"
        await Assert.ThrowsAsync<IOException>(() => compactor.CompactAsync(ownership, 12, ct).WaitAsync(s_timeout, ct));
        var liveBefore = await run.Reader.ReadEventsAsync(ct).ToListAsync(ct);
        await AssignAgainAsync(engineSettings, ct);

        // Assert: the live set held each row once all along; after the assignment so does the whole run
        Assert.Equal(rows.Count, liveBefore.Count);
        Assert.Equal(rows.Select(r => r.Offset).Order(), liveBefore.Select(r => r.KafkaOffset).Order());
        Assert.Equal(rows.Select(r => r.Offset).Order(), (await GlobAsync(run, ct)).Order());
        Assert.Equal([OutputLayout.CompactedFileName(Topic, Partition, 0, 12)], await ListAsync(run, OutputLayout.IdFolder(0), ct, fileNamesOnly: true));
        Assert.Equal(3, (await ListAsync(run, OutputLayout.IdFolder(1), ct)).Count); // the crash came before this stream's turn
    }

    [Fact]
    public async Task CompactAsync_CrashWhileWriting_LeavesNothingVisible_AndTheInputsIntact()
    {
        // Arrange
        var ct = TestContext.Current.CancellationToken;
        var (run, engineSettings) = await CreateRunAsync(ct);
        var rows = await CommitAsync(run, [(0, 4), (4, 4), (8, 4)], withWindows: true, ct);
        var before = await ListAsync(run, "", ct);
        var crashing = new FailingStorage(run.Storage) { FailWhileWriting = static name => name.Contains("-c", StringComparison.Ordinal) };
        var ownership = await OwnAsync(run, ct);

        // Act
        await Assert.ThrowsAsync<IOException>(() => new TestRun(crashing).Compactor().CompactAsync(ownership, 12, ct).WaitAsync(s_timeout, ct));
        await AssignAgainAsync(engineSettings, ct);

        // Assert
        Assert.Equal(before, await ListAsync(run, "", ct));
        Assert.Equal(rows.Select(r => r.Offset).Order(), (await GlobAsync(run, ct)).Order());
    }

    /// <summary>Commits the batches as the lane does (files, then the checkpoint) and returns their rows in offset order.</summary>
    private static async Task<List<RawRow>> CommitAsync(
        TestRun run, (long First, int Count)[] batches, bool withWindows, CancellationToken ct, int ids = 2)
    {
        var all = new List<RawRow>();
        foreach (var (first, count) in batches)
        {
            var rows = SinkTestData.Rows(Partition, first, count, ids);
            await run.Writer().WriteAsync(Topic, Partition, first, SinkTestData.ToBatch(rows), withWindows ? [Window(first)] : [], ct).WaitAsync(s_timeout, ct);
            all.AddRange(rows);
            await run.SaveCheckpointAsync(new PartitionCheckpoint(Topic, Partition, first + count, null, null, [], 0), ct).WaitAsync(s_timeout, ct);
        }

        return all;
    }

    /// <summary>A closed window whose count tells the batch it came from (100 + its first offset).</summary>
    private static WindowAggregate Window(long batch) =>
        new(SinkTestData.BaseTime.AddSeconds(batch), SinkTestData.BaseTime.AddSeconds(batch + 1), 0, 100 + batch, batch, 0, batch);

    private static async Task<PartitionOwnership> OwnAsync(TestRun run, CancellationToken ct) =>
        (await PartitionOwnership.FenceAsync(run.Checkpoints, Topic, Partition, ct).WaitAsync(s_timeout, ct)).Ownership;

    /// <summary>The partition assigned to a new engine on the same run: its lane opens (fence, clean-up) as on any assignment.</summary>
    private async Task AssignAgainAsync(Dictionary<string, string?> engineSettings, CancellationToken ct)
    {
        var harness = new EngineHarness(engineSettings);
        _harnesses.Add(harness);
        var (lane, _) = await harness.Service<LaneFactory>().OpenAsync(Topic, Partition, ct).WaitAsync(s_timeout, ct);
        await lane.DisposeAsync();
    }

    /// <summary>The offsets of every raw row in every Parquet file of the run, covered or not: what a glob of the folder reads.</summary>
    private static async Task<List<long>> GlobAsync(TestRun run, CancellationToken ct)
    {
        var offsets = new List<long>();
        foreach (string name in await ListAsync(run, OutputLayout.EventsFolder, ct))
        {
            await foreach (RawEventRow row in run.Reader.ReadEventFileAsync(name, ct))
            {
                offsets.Add(row.KafkaOffset);
            }
        }

        return offsets;
    }

    private static async Task<long> LengthAsync(TestRun run, string name, CancellationToken ct) =>
        await run.Storage.GetLengthAsync(name, ct) ?? throw new FileNotFoundException(name);

    /// <summary>The run's Parquet files under <paramref name="prefix"/>, sorted.</summary>
    private static async Task<List<string>> ListAsync(TestRun run, string prefix, CancellationToken ct, bool fileNamesOnly = false)
    {
        var names = new List<string>();
        await foreach (string name in run.Storage.ListAsync(prefix, ct))
        {
            if (name.EndsWith(OutputLayout.ParquetExtension, StringComparison.Ordinal))
            {
                names.Add(fileNamesOnly ? name[(name.LastIndexOf('/') + 1)..] : name);
            }
        }

        names.Sort(StringComparer.Ordinal);
        return names;
    }
}

public sealed class LocalParquetCompactorTests : ParquetCompactorTests
{
    private readonly TempOutputDirectory _output = new();

    private protected override Task<(TestRun Run, Dictionary<string, string?> EngineSettings)> CreateRunAsync(CancellationToken cancellationToken) =>
        Task.FromResult((TestRun.Local(_output.Path, RunId), new Dictionary<string, string?>
        {
            ["Pipeline:Output:OutputPath"] = _output.Path,
            ["Pipeline:Output:RunId"] = RunId,
        }));

    [Fact]
    public async Task CompactAsync_CrashWhileWriting_LeavesNoTemporaryFile()
    {
        // Arrange
        var ct = TestContext.Current.CancellationToken;
        var run = TestRun.Local(_output.Path, RunId);
        await run.Writer().WriteAsync(Topic, 0, 0, SinkTestData.ToBatch(SinkTestData.Rows(0, 0, 2, ids: 1)), [], ct);
        await run.Writer().WriteAsync(Topic, 0, 2, SinkTestData.ToBatch(SinkTestData.Rows(0, 2, 2, ids: 1)), [], ct);
        await run.SaveCheckpointAsync(new PartitionCheckpoint(Topic, 0, 4, null, null, [], 0), ct);
        var (ownership, _) = await PartitionOwnership.FenceAsync(run.Checkpoints, Topic, 0, ct);
        var crashing = new FailingStorage(run.Storage) { FailWhileWriting = static name => name.Contains("-c", StringComparison.Ordinal) };

        // Act
        await Assert.ThrowsAsync<IOException>(() => new TestRun(crashing).Compactor().CompactAsync(ownership, 4, ct));

        // Assert
        Assert.Equal(2, Directory.GetFiles(run.PathOf(OutputLayout.IdFolder(0))).Length);
    }

    public override void Dispose()
    {
        base.Dispose();
        _output.Dispose();
    }
}

[Collection(AzuriteCollection.Name)]
public sealed class BlobParquetCompactorTests(AzuriteFixture azurite) : ParquetCompactorTests
{
    private protected override async Task<(TestRun Run, Dictionary<string, string?> EngineSettings)> CreateRunAsync(CancellationToken cancellationToken)
    {
        var run = await BlobRun.CreateAsync(azurite.Server, RunId, cancellationToken);
        return (run.Run, new Dictionary<string, string?>
        {
            ["ConnectionStrings:output"] = run.ConnectionString,
            ["Pipeline:Output:RunId"] = RunId,
        });
    }
}
