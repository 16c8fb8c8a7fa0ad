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

    private static Task WriteAsync(Stream stream, PartitionCheckpoint checkpoint, CancellationToken cancellationToken) =>
        JsonSerializer.SerializeAsync(stream, checkpoint, CheckpointJsonContext.Strict, cancellationToken);
}
