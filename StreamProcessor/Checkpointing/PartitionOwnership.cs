using Pipeline.StreamProcessor.Storage;

namespace Pipeline.StreamProcessor.Checkpointing;

/// <summary>
/// One partition of the run as a lane owns it: the version of the partition's checkpoint the lane wrote last. Kafka
/// may hand a partition to another processor before its previous owner notices (paused, cut off), so every change a
/// lane makes to the run goes through this protocol:
/// <list type="number">
/// <item>fence on open (<see cref="FenceAsync"/>): the checkpoint is read and written again (created at offset 0 when
/// there is none), so its version changes and the previous owner's next save is refused;</item>
/// <item>confirm before replacing a conflicting object beyond the checkpoint (<see cref="RemoveConflictingAsync"/>):
/// a new owner fences before it removes orphans, so an unchanged checkpoint proves the partition is still ours;</item>
/// <item>save the checkpoint only at the owned version (<see cref="SaveAsync"/>), which moves the version on;</item>
/// <item>abandon a batch (<see cref="AbandonAsync"/>): delete its files, each only at the version this lane wrote.</item>
/// </list>
/// </summary>
/// <remarks>
/// In a local folder the version is the content's hash, so rewriting an existing checkpoint with the same bytes
/// fences nothing (creating one for a fresh partition does); a folder is one machine's, and its processors hand
/// partitions over through Kafka's rebalance. A lane saves only once its batch's files are written, so a write
/// confirms the version the lane held when the write started.
/// </remarks>
internal sealed class PartitionOwnership
{
    /// <summary>How often the fence is tried again when the previous owner saved between this lane's read and its fence.</summary>
    private const int FenceAttempts = 5;

    private readonly CheckpointStore _checkpoints;

    private PartitionOwnership(CheckpointStore checkpoints, string topic, int partition, ObjectVersion version)
    {
        _checkpoints = checkpoints;
        Topic = topic;
        Partition = partition;
        Version = version;
    }

    public string Topic { get; }

    public int Partition { get; }

    /// <summary>The version of the partition's checkpoint this owner wrote last (the fence, then each save).</summary>
    public ObjectVersion Version { get; private set; }

    /// <summary>
    /// Takes the partition over: reads its checkpoint and writes it again at the version read. The previous owner
    /// can still save between the read and the fence: then its checkpoint, a committed batch further on, is read
    /// again and fenced; once the fence lands, it can save no more. Returns the checkpoint found (null: none yet).
    /// </summary>
    /// <exception cref="CheckpointConflictException">The checkpoint changed under every one of <see cref="FenceAttempts"/> fences.</exception>
    public static async Task<(PartitionOwnership Ownership, PartitionCheckpoint? Checkpoint)> FenceAsync(
        CheckpointStore checkpoints, string topic, int partition, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(checkpoints);
        for (var attempt = 1; ; attempt++)
        {
            var loaded = await checkpoints.LoadVersionedAsync(topic, partition, cancellationToken);
            try
            {
                var checkpoint = loaded?.Checkpoint;
                var fenced = await checkpoints.SaveAsync(checkpoint ?? FreshCheckpoint(topic, partition), loaded?.Version, cancellationToken);
                return (new PartitionOwnership(checkpoints, topic, partition, fenced), checkpoint);
            }
            catch (CheckpointConflictException) when (attempt < FenceAttempts)
            {
            }
        }
    }

    /// <summary>
    /// Throws <see cref="CheckpointConflictException"/> unless the partition's checkpoint is still at <see cref="Version"/>:
    /// a new owner replaces the checkpoint on assignment before it touches anything else.
    /// </summary>
    public async Task ConfirmAsync(CancellationToken cancellationToken)
    {
        string name = OutputLayout.CheckpointName(Topic, Partition);
        var current = await _checkpoints.Storage.ReadAsync(name, cancellationToken);
        if (current?.Version != Version)
        {
            throw new CheckpointConflictException(
                Topic, Partition, new StorageConflictException(name, _checkpoints.Storage.Locate(name), StorageConflict.VersionMismatch));
        }
    }

    /// <summary>
    /// Removes the object <paramref name="name"/>, exactly at <paramref name="existing"/>, that stands in the way of a
    /// write of this partition beyond its checkpoint (an orphan of a crash, or of a processor that lost the
    /// partition), once <see cref="ConfirmAsync"/> has shown the partition is still ours.
    /// </summary>
    /// <exception cref="CheckpointConflictException">Another owner has the partition: the object is left alone.</exception>
    public async Task RemoveConflictingAsync(string name, ObjectVersion existing, CancellationToken cancellationToken)
    {
        await ConfirmAsync(cancellationToken);
        await _checkpoints.Storage.DeleteIfMatchAsync(name, existing, cancellationToken);
    }

    /// <summary>
    /// Saves the partition's checkpoint if it is still at <see cref="Version"/>, and moves the version on.
    /// </summary>
    /// <exception cref="CheckpointConflictException">Another owner wrote the checkpoint since.</exception>
    public async Task SaveAsync(PartitionCheckpoint checkpoint, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        if (!string.Equals(checkpoint.Topic, Topic, StringComparison.Ordinal) || checkpoint.Partition != Partition)
        {
            throw new ArgumentException(
                $"The checkpoint of {checkpoint.Topic}[{checkpoint.Partition}] is not this owner's ({Topic}[{Partition}]).", nameof(checkpoint));
        }

        Version = await _checkpoints.SaveAsync(checkpoint, Version, cancellationToken);
    }

    /// <summary>
    /// Deletes the files of a batch this lane wrote and will never commit (its partition was lost, or its checkpoint
    /// refused), each only at the version this lane wrote, so a file the partition's new owner has since replaced or
    /// taken over (an identical replay) stays. A local folder keeps them (no version of its own: the next assignment's
    /// orphan clean-up removes them there). Returns how many were deleted.
    /// </summary>
    public async Task<int> AbandonAsync(IReadOnlyList<(string Name, ObjectVersion? Version)> files, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(files);
        int deleted = 0;
        foreach (var (name, written) in files)
        {
            if (written is { } version && await _checkpoints.Storage.DeleteIfMatchAsync(name, version, cancellationToken))
            {
                deleted++;
            }
        }

        return deleted;
    }

    /// <summary>The checkpoint of a partition that has committed nothing: offset 0 (the earliest), no windows.</summary>
    private static PartitionCheckpoint FreshCheckpoint(string topic, int partition) =>
        new(topic, partition, NextOffset: 0, MaxEventTime: null, Watermark: null, OpenWindows: [], LateEvents: 0);
}
