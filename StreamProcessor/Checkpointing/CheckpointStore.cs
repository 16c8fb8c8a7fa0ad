using System.Text.Json;
using Microsoft.Extensions.Options;
using Pipeline.StreamProcessor.Sinks;

namespace Pipeline.StreamProcessor.Checkpointing;

/// <summary>
/// Reads and replaces <c>&lt;run&gt;/_checkpoints/&lt;topic&gt;-p&lt;partition&gt;.json</c>. A save writes a
/// hidden temporary file, flushes it to disk and renames it over the old checkpoint (<see cref="AtomicFile"/>),
/// so the file on disk is always either the previous checkpoint or the new one.
/// </summary>
internal sealed class CheckpointStore(IOptions<SinkOptions> options)
{
    private readonly OutputLayout _layout = new(options.Value);

    public OutputLayout Layout => _layout;

    /// <summary>
    /// The partition's checkpoint, or <c>null</c> when none was ever saved in this run.
    /// </summary>
    /// <exception cref="CorruptCheckpointException">The file exists but is not a valid checkpoint of this partition.</exception>
    public async Task<PartitionCheckpoint?> LoadAsync(string topic, int partition, CancellationToken cancellationToken)
    {
        string path = _layout.CheckpointFilePath(topic, partition);
        PartitionCheckpoint? checkpoint;
        try
        {
            await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 12, useAsync: true);
            checkpoint = await JsonSerializer.DeserializeAsync(stream, CheckpointJsonContext.Strict, cancellationToken);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }
        catch (JsonException e)
        {
            throw new CorruptCheckpointException(path, e.Message, e);
        }

        if (checkpoint is null)
        {
            throw new CorruptCheckpointException(path, "the file holds JSON null.");
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
        RunManifest? manifest;
        try
        {
            await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 12, useAsync: true);
            manifest = await JsonSerializer.DeserializeAsync(stream, CheckpointJsonContext.StrictRunManifest, cancellationToken);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (JsonException e)
        {
            throw new CorruptCheckpointException(path, e.Message, e);
        }

        if (manifest is null)
        {
            throw new CorruptCheckpointException(path, "the file holds JSON null.");
        }

        if (manifest.Version != RunManifest.CurrentVersion)
        {
            throw new CorruptCheckpointException(
                path, $"format version {manifest.Version} is not supported (expected {RunManifest.CurrentVersion}).");
        }

        return manifest;
    }

    /// <summary>
    /// Writes the run's manifest if the run has none yet, atomically and at most once: the content goes to a
    /// temporary file of this writer alone and is moved to its final name without overwriting, so of two
    /// processes starting the same run at once exactly one wins. Returns <c>false</c> when a manifest already
    /// existed (the caller then reads and compares it).
    /// </summary>
    public async Task<bool> TryCreateRunManifestAsync(RunManifest manifest, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        string path = _layout.RunManifestFilePath;
        Directory.CreateDirectory(_layout.CheckpointsDirectory);
        string tempPath = OutputLayout.TempPathFor(path + "." + Guid.NewGuid().ToString("N"));
        try
        {
            await using (var stream = new FileStream(tempPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 12))
            {
                await JsonSerializer.SerializeAsync(stream, manifest, CheckpointJsonContext.StrictRunManifest, cancellationToken);
                await stream.FlushAsync(cancellationToken);
                stream.Flush(flushToDisk: true);
            }

            if (File.Exists(path))
            {
                return false;
            }

            File.Move(tempPath, path, overwrite: false);
            return true;
        }
        catch (IOException) when (File.Exists(path))
        {
            return false; // another process of this run created it first
        }
        finally
        {
            File.Delete(tempPath);
        }
    }

    /// <summary>Whether any partition of the run has a checkpoint (the run has committed output).</summary>
    public bool HasPartitionCheckpoints() =>
        Directory.Exists(_layout.CheckpointsDirectory)
        && Directory.EnumerateFiles(_layout.CheckpointsDirectory, "*.json")
            .Any(p => !string.Equals(Path.GetFileName(p), OutputLayout.RunManifestFileName, StringComparison.Ordinal));

    private static Task WriteAsync(Stream stream, PartitionCheckpoint checkpoint, CancellationToken cancellationToken) =>
        JsonSerializer.SerializeAsync(stream, checkpoint, CheckpointJsonContext.Strict, cancellationToken);
}
