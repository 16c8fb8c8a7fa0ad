using Microsoft.Extensions.Options;
using Pipeline.StreamProcessor.Checkpointing;
using Pipeline.StreamProcessor.Inspection;
using Pipeline.StreamProcessor.Sinks;
using Pipeline.StreamProcessor.Storage;

namespace Pipeline.Tests.TestKit;

/// <summary>
/// A run as the tests build and inspect it, over the same <see cref="IRunStorage"/> the service writes through: its
/// checkpoints, a writer, the orphan clean-up and a reader, each built on that storage the way the service's
/// container builds them. A local run (<see cref="Local"/>) also has its folder (<see cref="Directory"/>).
/// </summary>
internal sealed class TestRun(IRunStorage storage)
{
    /// <summary>The Parquet row group size the service uses unless configured otherwise.</summary>
    public const int DefaultRowGroupSize = 100_000;

    /// <summary>The run <paramref name="runId"/> in the local folder <c>&lt;outputPath&gt;/run_&lt;runId&gt;/</c>.</summary>
    public static TestRun Local(string outputPath, string runId = "test") => new(LocalFileStorage.ForRun(outputPath, runId));

    public IRunStorage Storage { get; } = storage;

    /// <summary>The run's folder (a local run only).</summary>
    public string Directory => (Storage as LocalFileStorage)?.RootDirectory
        ?? throw new InvalidOperationException($"The run at {Storage.Root} is not a local folder.");

    public CheckpointStore Checkpoints => new(Storage);

    public OrphanCleaner Orphans => new(Storage);

    public OutputReader Reader => new(Storage);

    /// <summary>Where the object or folder <paramref name="name"/> (<c>events/</c>, <c>_checkpoints/x.json</c>) lies in a local run.</summary>
    public string PathOf(string name) =>
        Path.Combine(Directory, name.TrimEnd('/').Replace('/', Path.DirectorySeparatorChar));

    public ParquetBatchWriter Writer(int rowGroupSize = DefaultRowGroupSize) =>
        new(Storage, Options.Create(new SinkOptions { RowGroupSize = rowGroupSize }));

    /// <summary>A compactor of the run (<see cref="SinkOptions.CompactionTargetBytes"/>: files at or above it are final).</summary>
    public ParquetCompactor Compactor(int rowGroupSize = DefaultRowGroupSize, long targetBytes = 128L << 20) =>
        new(Storage, Options.Create(new SinkOptions { RowGroupSize = rowGroupSize, CompactionTargetBytes = targetBytes }));

    /// <summary>
    /// Puts <paramref name="checkpoint"/> in place whatever stood there, the way a processor does: it takes the
    /// partition over (the fence) and saves at the version it owns. Returns the checkpoint's new version.
    /// </summary>
    public async Task<ObjectVersion> SaveCheckpointAsync(PartitionCheckpoint checkpoint, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        var (ownership, _) = await PartitionOwnership.FenceAsync(Checkpoints, checkpoint.Topic, checkpoint.Partition, cancellationToken);
        await ownership.SaveAsync(checkpoint, cancellationToken);
        return ownership.Version;
    }
}
