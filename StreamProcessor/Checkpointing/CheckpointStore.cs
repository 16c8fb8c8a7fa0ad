using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Pipeline.StreamProcessor.Sinks;

namespace Pipeline.StreamProcessor.Checkpointing;

/// <summary>
/// Reads and replaces <c>&lt;run&gt;/_checkpoints/&lt;topic&gt;-p&lt;partition&gt;.json</c>. A save writes a
/// hidden temporary file, flushes it to disk and renames it over the old checkpoint (<see cref="AtomicFile"/>),
/// so the file on disk is always either the previous checkpoint or the new one.
/// </summary>
internal sealed class CheckpointStore(OutputLayout layout)
{
    private readonly OutputLayout _layout = layout;

    public OutputLayout Layout => _layout;

    /// <summary>
    /// The partition's checkpoint, or <c>null</c> when none was ever saved in this run.
    /// </summary>
    /// <exception cref="CorruptCheckpointException">The file exists but is not a valid checkpoint of this partition.</exception>
    public async Task<PartitionCheckpoint?> LoadAsync(string topic, int partition, CancellationToken cancellationToken)
    {
        string path = _layout.CheckpointFilePath(topic, partition);
        var checkpoint = await ReadStrictAsync(path, CheckpointJsonContext.Strict, cancellationToken);
        if (checkpoint is null)
        {
            return null;
        }

        if (checkpoint.Version != PartitionCheckpoint.CurrentVersion)
        {
            throw new CorruptCheckpointException(
                path, $"format version {checkpoint.Version} is not supported (expected {PartitionCheckpoint.CurrentVersion}).");
        }

        if (!string.Equals(checkpoint.Topic, topic, StringComparison.Ordinal) || checkpoint.Partition != partition)
        {
            throw new CorruptCheckpointException(
                path, $"it belongs to {checkpoint.Topic}[{checkpoint.Partition}], not {topic}[{partition}].");
        }

        if (checkpoint.NextOffset < 0 || checkpoint.LateEvents < 0)
        {
            throw new CorruptCheckpointException(
                path, $"negative next offset ({checkpoint.NextOffset}) or late count ({checkpoint.LateEvents}).");
        }

        return checkpoint;
    }

    /// <summary>Atomically replaces the partition's checkpoint.</summary>
    public async Task SaveAsync(PartitionCheckpoint checkpoint, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        ArgumentOutOfRangeException.ThrowIfNegative(checkpoint.NextOffset);
        ArgumentNullException.ThrowIfNull(checkpoint.OpenWindows);

        string path = _layout.CheckpointFilePath(checkpoint.Topic, checkpoint.Partition);
        Directory.CreateDirectory(_layout.CheckpointsDirectory);
        await AtomicFile.WriteAsync(path, checkpoint, WriteAsync, cancellationToken);
    }

    /// <summary>The run's manifest (<see cref="OutputLayout.RunManifestFilePath"/>), or <c>null</c> when none was written.</summary>
    /// <exception cref="CorruptCheckpointException">The file exists but is not a valid manifest.</exception>
    public async Task<RunManifest?> LoadRunManifestAsync(CancellationToken cancellationToken)
    {
        string path = _layout.RunManifestFilePath;
        var manifest = await ReadStrictAsync(path, CheckpointJsonContext.StrictRunManifest, cancellationToken);
        if (manifest is null)
        {
            return null;
        }

        if (manifest.Version != RunManifest.CurrentVersion)
        {
            throw new CorruptCheckpointException(
                path, $"format version {manifest.Version} is not supported (expected {RunManifest.CurrentVersion}).");
        }

        return manifest;
    }

    /// <summary>
    /// Writes the run's manifest if the run has none yet, atomically and at most once. Processes starting the
    /// same run at once serialize on an exclusive lock of <c>_checkpoints/.run.lock</c> (an advisory lock on
    /// Unix, released by the OS when a process dies), because a rename without overwrite is not atomic on every
    /// platform; the winner writes a temporary file and renames it. Returns <c>false</c> when a manifest already
    /// existed (the caller then reads and compares it).
    /// </summary>
    public async Task<bool> TryCreateRunManifestAsync(RunManifest manifest, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        string path = _layout.RunManifestFilePath;
        Directory.CreateDirectory(_layout.CheckpointsDirectory);
        await using var runLock = await LockRunAsync(cancellationToken);
        if (File.Exists(path))
        {
            return false;
        }

        await AtomicFile.WriteAsync(path, manifest, WriteManifestAsync, cancellationToken);
        return true;
    }

    private async Task<FileStream> LockRunAsync(CancellationToken cancellationToken)
    {
        string lockPath = Path.Combine(_layout.CheckpointsDirectory, ".run.lock");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            try
            {
                return new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(20, cancellationToken); // another process of this run holds it for a moment
            }
        }
    }

    private static Task WriteManifestAsync(Stream stream, RunManifest manifest, CancellationToken cancellationToken) =>
        JsonSerializer.SerializeAsync(stream, manifest, CheckpointJsonContext.StrictRunManifest, cancellationToken);

    /// <summary>Whether any partition of the run has a checkpoint (the run has committed output).</summary>
    public bool HasPartitionCheckpoints() =>
        Directory.Exists(_layout.CheckpointsDirectory)
        && Directory.EnumerateFiles(_layout.CheckpointsDirectory, "*.json")
            .Any(p => !string.Equals(Path.GetFileName(p), OutputLayout.RunManifestFileName, StringComparison.Ordinal));

    private static Task WriteAsync(Stream stream, PartitionCheckpoint checkpoint, CancellationToken cancellationToken) =>
        JsonSerializer.SerializeAsync(stream, checkpoint, CheckpointJsonContext.Strict, cancellationToken);

    /// <summary>
    /// The file read with its strict contract, or <c>null</c> when it does not exist; malformed JSON, a missing
    /// member or JSON <c>null</c> is a <see cref="CorruptCheckpointException"/> naming the file.
    /// </summary>
    private static async Task<T?> ReadStrictAsync<T>(string path, JsonTypeInfo<T> contract, CancellationToken cancellationToken)
        where T : class
    {
        T? value;
        try
        {
            await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 12, useAsync: true);
            value = await JsonSerializer.DeserializeAsync(stream, contract, cancellationToken);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (JsonException e)
        {
            throw new CorruptCheckpointException(path, e.Message, e);
        }

        return value ?? throw new CorruptCheckpointException(path, "the file holds JSON null.");
    }
}
