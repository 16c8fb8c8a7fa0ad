namespace Pipeline.StreamProcessor.Storage;

/// <summary>
/// What the sinks and checkpoints need from the place a run's output lives, in the run's own relative names
/// (<c>aggregates/part-….parquet</c>, <c>_checkpoints/events-p0.json</c>; see <see cref="ObjectNames"/>), never
/// OS paths. Two implementations: <see cref="LocalFileStorage"/> (a folder, write-temp-then-rename) and
/// <see cref="BlobStorage"/> (a prefix in an Azure Blob Storage container, no rename).
/// </summary>
/// <remarks>
/// Exactly once rests on three guarantees every implementation gives:
/// <list type="bullet">
/// <item>a reader sees a whole object or none (<see cref="WriteAsync{TState}"/>);</item>
/// <item>writing the same bytes under the same name again (a replay) succeeds and changes nothing;</item>
/// <item>a checkpoint is replaced only if it is still the version its writer read
/// (<see cref="ReplaceIfMatchAsync"/>), so a processor that lost its partition without noticing cannot
/// overwrite the checkpoint of the one that took it over.</item>
/// </list>
/// </remarks>
public interface IRunStorage
{
    /// <summary>Where <paramref name="name"/> lives, for messages and logs: a full path or a blob URI (never a secret).</summary>
    string Locate(string name);

    /// <summary>Where the whole run lives (its folder or container prefix), for messages and logs.</summary>
    string Root { get; }

    /// <summary>
    /// How many objects a batch should write at once: encoding a local file is CPU-bound, an upload waits on the
    /// network, so object storage wants more in flight than there are cores.
    /// </summary>
    int MaxConcurrentWrites { get; }

    /// <summary>
    /// Makes sure the run can be written, once at start: a local folder exists, a container is created if absent.
    /// A refusal (wrong key, missing role, unreachable endpoint) is a <see cref="StorageAccessException"/>.
    /// </summary>
    Task EnsureReadyAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Writes a data object atomically from <paramref name="write"/> and returns its length and, when this write
    /// created it, its version (<see cref="WrittenObject"/>). The content is streamed: memory holds a buffer's worth
    /// of it, not the object (a local temporary file; blocks staged in object storage, committed at once). A local folder replaces any previous file (rename; no
    /// version of its own). Object storage creates the blob only if it is absent (<c>If-None-Match: *</c>); an existing
    /// one with identical bytes (a replay) is accepted without rewriting its content, and with no version for this
    /// writer (it did not create it), but its ETag is changed (a metadata write), so the writer that uploaded it, should
    /// it abandon its batch, cannot delete it either.
    /// </summary>
    /// <exception cref="StorageConflictException">
    /// Object storage only: the blob exists with other bytes (<see cref="StorageConflict.DifferentContent"/>, with
    /// its <see cref="StorageConflictException.Existing"/> version). It is never overwritten here: only the
    /// partition's owner may remove it, once it has confirmed it still owns the partition.
    /// </exception>
    Task<WrittenObject> WriteAsync<TState>(
        string name, TState state, Func<Stream, TState, CancellationToken, Task> write, CancellationToken cancellationToken);

    /// <summary>The object's bytes and version, or <c>null</c> when it does not exist.</summary>
    Task<StoredObject?> ReadAsync(string name, CancellationToken cancellationToken);

    /// <summary>
    /// Opens the object to be read in place, seekable, without loading it whole (a file of any size is read a row
    /// group at a time); <c>null</c> when it does not exist. The caller disposes the stream.
    /// </summary>
    Task<Stream?> OpenReadAsync(string name, CancellationToken cancellationToken);

    /// <summary>The object's length in bytes, or <c>null</c> when it does not exist (one cheap request, no content).</summary>
    Task<long?> GetLengthAsync(string name, CancellationToken cancellationToken);

    /// <summary>
    /// The names of the objects whose name starts with <paramref name="prefix"/> (a plain string prefix, so
    /// <c>events/</c> lists every id folder below it), in no particular order. Temporary files and locks of a
    /// local folder are not objects and are never listed.
    /// </summary>
    IAsyncEnumerable<string> ListAsync(string prefix, CancellationToken cancellationToken);

    /// <summary>
    /// The folders directly below <paramref name="folder"/> (which ends in <c>/</c>, or is empty for the run's
    /// root), each as a prefix ending in <c>/</c>: <c>events/</c> gives <c>events/id=0/</c>, <c>events/id=1/</c>….
    /// Lets a caller list one partition's files per folder instead of every file of the run.
    /// </summary>
    IAsyncEnumerable<string> ListFoldersAsync(string folder, CancellationToken cancellationToken);

    /// <summary>
    /// Removes what interrupted writes left behind in <paramref name="folder"/> (ending in <c>/</c>) for objects
    /// whose name <paramref name="isOurs"/> accepts, and returns how many were removed: a local folder's hidden
    /// temporary files. Object storage has none (an upload that never completed is not a blob) and returns 0.
    /// </summary>
    Task<int> DeleteIncompleteAsync(string folder, Func<string, bool> isOurs, CancellationToken cancellationToken);

    /// <summary>Deletes the object; <c>false</c> when it did not exist.</summary>
    Task<bool> DeleteAsync(string name, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes the object only if it is still at <paramref name="expected"/>; <c>false</c> when it is gone or was
    /// replaced since (then it is left alone).
    /// </summary>
    Task<bool> DeleteIfMatchAsync(string name, ObjectVersion expected, CancellationToken cancellationToken);

    /// <summary>Creates the object with <paramref name="content"/> only if none exists, and returns its version.</summary>
    /// <exception cref="StorageConflictException">The object already exists (<see cref="StorageConflict.AlreadyExists"/>).</exception>
    Task<ObjectVersion> CreateIfAbsentAsync(string name, ReadOnlyMemory<byte> content, CancellationToken cancellationToken);

    /// <summary>
    /// Replaces the object with <paramref name="content"/> only if it is still at <paramref name="expected"/> (the
    /// version read or last written by this caller), and returns the new version.
    /// </summary>
    /// <exception cref="StorageConflictException">Someone else wrote or deleted it since (<see cref="StorageConflict.VersionMismatch"/>).</exception>
    Task<ObjectVersion> ReplaceIfMatchAsync(
        string name, ReadOnlyMemory<byte> content, ObjectVersion expected, CancellationToken cancellationToken);
}
