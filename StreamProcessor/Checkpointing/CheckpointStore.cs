using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Pipeline.StreamProcessor.Storage;

namespace Pipeline.StreamProcessor.Checkpointing;

/// <summary>
/// Reads and saves <c>_checkpoints/&lt;topic&gt;-p&lt;partition&gt;.json</c> through the run's
/// <see cref="IRunStorage"/>, so a reader sees either the previous checkpoint or the new one. A lane saves with the
/// version it fenced or last saved (<see cref="SaveAsync"/>, through its <see cref="PartitionOwnership"/>): the
/// checkpoint is created only if absent and replaced only if still at that version, so a processor that lost its
/// partition without noticing cannot overwrite the new owner's checkpoint. The run manifest
/// (<see cref="OutputLayout.RunManifestName"/>) is created once, if absent, through the same storage.
/// </summary>
internal sealed class CheckpointStore(IRunStorage storage)
{
    private readonly IRunStorage _storage = storage;

    /// <summary>Where the run's output lives, for messages.</summary>
    public IRunStorage Storage => _storage;

    /// <summary>
    /// The partition's checkpoint, or <c>null</c> when none was ever saved in this run.
    /// </summary>
    /// <exception cref="CorruptCheckpointException">The file exists but is not a valid checkpoint of this partition.</exception>
    public async Task<PartitionCheckpoint?> LoadAsync(string topic, int partition, CancellationToken cancellationToken) =>
        (await LoadVersionedAsync(topic, partition, cancellationToken))?.Checkpoint;

    /// <summary>
    /// The partition's checkpoint with the version it was read at (to save the next one with), or <c>null</c>
    /// when none was ever saved in this run.
    /// </summary>
    /// <exception cref="CorruptCheckpointException">The object exists but is not a valid checkpoint of this partition.</exception>
    public async Task<VersionedCheckpoint?> LoadVersionedAsync(string topic, int partition, CancellationToken cancellationToken)
    {
        string name = OutputLayout.CheckpointName(topic, partition);
        var stored = await _storage.ReadAsync(name, cancellationToken);
        if (stored is null)
        {
            return null;
        }

        string path = _storage.Locate(name);
        var checkpoint = ParseStrict(path, stored.Content, CheckpointJsonContext.Strict);
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

        return new VersionedCheckpoint(checkpoint, stored.Version);
    }

    /// <summary>
    /// Saves the partition's checkpoint if it is still the one this caller knows: creates it when
    /// <paramref name="expected"/> is <c>null</c> (the lane found none), otherwise replaces it only if it is still
    /// at <paramref name="expected"/>. Returns the new version, to pass to the next save. A conflict whose current
    /// checkpoint holds exactly these bytes is this caller's own earlier attempt (a retry after a lost reply) and
    /// counts as saved.
    /// </summary>
    /// <exception cref="CheckpointConflictException">Another writer created or replaced the checkpoint since.</exception>
    public async Task<ObjectVersion> SaveAsync(PartitionCheckpoint checkpoint, ObjectVersion? expected, CancellationToken cancellationToken)
    {
        byte[] content = Serialize(checkpoint);
        string name = OutputLayout.CheckpointName(checkpoint.Topic, checkpoint.Partition);
        try
        {
            return expected is { } version
                ? await _storage.ReplaceIfMatchAsync(name, content, version, cancellationToken)
                : await _storage.CreateIfAbsentAsync(name, content, cancellationToken);
        }
        catch (StorageConflictException conflict)
        {
            var current = await _storage.ReadAsync(name, cancellationToken);
            if (current is not null && current.Content.Span.SequenceEqual(content))
            {
                return current.Version;
            }

            throw new CheckpointConflictException(checkpoint.Topic, checkpoint.Partition, conflict);
        }
    }

    private static byte[] Serialize(PartitionCheckpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        ArgumentOutOfRangeException.ThrowIfNegative(checkpoint.NextOffset);
        ArgumentNullException.ThrowIfNull(checkpoint.OpenWindows);
        return JsonSerializer.SerializeToUtf8Bytes(checkpoint, CheckpointJsonContext.Strict);
    }

    /// <summary>Where the run's manifest lives (<see cref="OutputLayout.RunManifestName"/>), for messages.</summary>
    public string RunManifestLocation => _storage.Locate(OutputLayout.RunManifestName);

    /// <summary>The run's manifest (<see cref="OutputLayout.RunManifestName"/>), or <c>null</c> when none was written.</summary>
    /// <exception cref="CorruptCheckpointException">The object exists but is not a valid manifest.</exception>
    public async Task<RunManifest?> LoadRunManifestAsync(CancellationToken cancellationToken)
    {
        var stored = await _storage.ReadAsync(OutputLayout.RunManifestName, cancellationToken);
        if (stored is null)
        {
            return null;
        }

        string location = RunManifestLocation;
        var manifest = ParseStrict(location, stored.Content, CheckpointJsonContext.StrictRunManifest);
        if (manifest.Version != RunManifest.CurrentVersion)
        {
            throw new CorruptCheckpointException(
                location, $"format version {manifest.Version} is not supported (expected {RunManifest.CurrentVersion}).");
        }

        return manifest;
    }

    /// <summary>
    /// Writes the run's manifest if the run has none yet, atomically and at most once, even when processes on
    /// several machines start the same run at once (<see cref="IRunStorage.CreateIfAbsentAsync"/>). Returns
    /// <c>false</c> when a manifest already existed (the caller then reads and compares it).
    /// </summary>
    public async Task<bool> TryCreateRunManifestAsync(RunManifest manifest, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        try
        {
            await _storage.CreateIfAbsentAsync(
                OutputLayout.RunManifestName, JsonSerializer.SerializeToUtf8Bytes(manifest, CheckpointJsonContext.StrictRunManifest), cancellationToken);
            return true;
        }
        catch (StorageConflictException e) when (e.Conflict == StorageConflict.AlreadyExists)
        {
            return false;
        }
    }

    /// <summary>Whether any partition of the run has a checkpoint (the run has committed output).</summary>
    public async Task<bool> HasPartitionCheckpointsAsync(CancellationToken cancellationToken)
    {
        await foreach (string name in _storage.ListAsync(OutputLayout.CheckpointsFolder, cancellationToken))
        {
            if (name.EndsWith(".json", StringComparison.Ordinal)
                && !string.Equals(name, OutputLayout.RunManifestName, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The object's bytes read with its strict contract; malformed JSON, a missing member or JSON <c>null</c> is a
    /// <see cref="CorruptCheckpointException"/> naming <paramref name="location"/>.
    /// </summary>
    private static T ParseStrict<T>(string location, ReadOnlyMemory<byte> content, JsonTypeInfo<T> contract)
        where T : class
    {
        var json = content.Span;
        if (json.StartsWith(Utf8Bom))
        {
            json = json[Utf8Bom.Length..]; // as a stream read skips it
        }

        T? value;
        try
        {
            value = JsonSerializer.Deserialize(json, contract);
        }
        catch (JsonException e)
        {
            throw new CorruptCheckpointException(location, e.Message, e);
        }

        return value ?? throw new CorruptCheckpointException(location, "the file holds JSON null.");
    }

    private static ReadOnlySpan<byte> Utf8Bom => [0xEF, 0xBB, 0xBF];
}

/// <summary>A checkpoint and the version of the object it was read from.</summary>
internal sealed record VersionedCheckpoint(PartitionCheckpoint Checkpoint, ObjectVersion Version);
