using Pipeline.StreamProcessor.Storage;

namespace Pipeline.StreamProcessor.Checkpointing;

/// <summary>
/// A partition's checkpoint was not saved because it is no longer the version this lane read or last wrote:
/// another processor owns the partition now and wrote it. Not an <see cref="IOException"/> on purpose: the output
/// is not failing, and retrying would only be refused again; the lane stops as if its partition were lost.
/// </summary>
internal sealed class CheckpointConflictException(string topic, int partition, StorageConflictException innerException)
    : Exception(
        $"The checkpoint of {topic}/{partition} was written by another owner; it was not replaced. {innerException?.Message}",
        innerException)
{
    public string Topic { get; } = topic;

    public int Partition { get; } = partition;
}
