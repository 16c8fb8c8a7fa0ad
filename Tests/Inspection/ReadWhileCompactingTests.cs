using Pipeline.StreamProcessor.Checkpointing;
using Pipeline.StreamProcessor.Inspection;
using Pipeline.StreamProcessor.Storage;
using Pipeline.Tests.Sinks;

namespace Pipeline.Tests.Inspection;

/// <summary>
/// <c>inspect</c> and <c>export</c> on a run a processor is compacting: a file they listed is deleted before they read
/// it (its rows now in a compacted file their listing did not have), and they read the run again rather than fail or
/// lose those rows.
/// </summary>
public sealed class ReadWhileCompactingTests : IDisposable
{
    private const string Topic = "events";
    private const int Partition = 0;
    private const int Events = 12;
    private readonly TempOutputDirectory _output = new();

    public void Dispose() => _output.Dispose();

    [Fact]
    public async Task Inspect_ACompactionDeletesAFileItListed_ReadsTheRunAgain_CountsEveryEventOnce()
    {
        // Arrange: the compaction runs just before inspect reads its first Parquet file
        var ct = TestContext.Current.CancellationToken;
        var (run, storage) = await CommittedRunAsync("inspect", ct);
        CompactBeforeReading(run, storage, nthParquetRead: 1, ct);
        var console = new StringWriter();

        // Act
        int exitCode = await OutputCommands.InspectAsync(new OutputReader(storage), rows: 3, console, ct);

        // Assert
        Assert.Equal(0, exitCode);
        Assert.Contains($"total: {Events} events", console.ToString(), StringComparison.Ordinal);
        Assert.Contains("vanished while the run was read", console.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExportFiles_ACompactionDeletesFilesItListed_CopiesTheRunAgain_AndNoCopiedFileHoldsARowTwice()
    {
        // Arrange: the compaction runs once the first raw file has been copied
        var ct = TestContext.Current.CancellationToken;
        var (run, storage) = await CommittedRunAsync("export", ct);
        CompactBeforeReading(run, storage, nthParquetRead: 2, ct);
        string to = Path.Combine(_output.Path, "copy");

        // Act
        int exitCode = await OutputCommands.ExportAsync(new OutputReader(storage), "files", to, new StringWriter(), ct);

        // Assert: only the compacted files, not the raw file the first attempt copied before it was compacted
        Assert.Equal(0, exitCode);
        string compacted = OutputLayout.CompactedFileName(Topic, Partition, 0, Events);
        Assert.Equal(
            [OutputLayout.IdFolder(0) + compacted, OutputLayout.IdFolder(1) + compacted],
            SinkTestData.RelativeFiles(to).Where(static f => f.EndsWith(OutputLayout.ParquetExtension, StringComparison.Ordinal)).Order(StringComparer.Ordinal));
        Assert.Equal(Events, (await new OutputReader(new LocalFileStorage(to)).CountRowsByIdAsync(ct)).Values.Sum());
    }

    /// <summary>Three committed batches of two ids, read through a storage a test can act on before each read.</summary>
    private async Task<(TestRun Run, FailingStorage Storage)> CommittedRunAsync(string runId, CancellationToken ct)
    {
        var run = TestRun.Local(_output.Path, runId);
        for (long first = 0; first < Events; first += 4)
        {
            var rows = SinkTestData.Rows(Partition, first, 4, ids: 2);
            await run.Writer().WriteAsync(Topic, Partition, first, SinkTestData.ToBatch(rows), [], ct);
            await run.SaveCheckpointAsync(new PartitionCheckpoint(Topic, Partition, first + 4, null, null, [], 0), ct);
        }

        return (run, new FailingStorage(run.Storage));
    }

    /// <summary>Compacts the partition, as its owner would, just before the <paramref name="nthParquetRead"/>th Parquet file is read.</summary>
    private static void CompactBeforeReading(TestRun run, FailingStorage storage, int nthParquetRead, CancellationToken ct)
    {
        int reads = 0;
        storage.BeforeRead = async name =>
        {
            if (name.EndsWith(OutputLayout.ParquetExtension, StringComparison.Ordinal) && ++reads == nthParquetRead)
            {
                var (ownership, _) = await PartitionOwnership.FenceAsync(run.Checkpoints, Topic, Partition, ct);
                await run.Compactor().CompactAsync(ownership, boundary: Events, ct);
            }
        };
    }
}
