namespace Pipeline.StreamProcessor.Storage;

/// <summary>Why a conditional write was refused.</summary>
public enum StorageConflict
{
    /// <summary>Create-if-absent found the object already there.</summary>
    AlreadyExists,

    /// <summary>Replace-if-match found another version (someone else wrote or deleted it in between).</summary>
    VersionMismatch,

    /// <summary>A create-only data write found the object there with other bytes.</summary>
    DifferentContent,
}

/// <summary>
/// A conditional write refused because the object is not in the state the writer expected. For a checkpoint this
/// is the fence: another processor owns the partition now, so this one must stop writing it.
/// </summary>
public sealed class StorageConflictException : IOException
{
    public StorageConflictException(
        string name, string location, StorageConflict conflict, Exception? innerException = null, ObjectVersion? existing = null)
        : base(MessageFor(location, conflict), innerException)
    {
        Name = name;
        Conflict = conflict;
        Existing = existing;
    }

    /// <summary>For <see cref="StorageConflict.DifferentContent"/>: the version of the object found, to delete exactly it.</summary>
    public ObjectVersion? Existing { get; }

    /// <summary>The object's name in the run.</summary>
    public string Name { get; }

    public StorageConflict Conflict { get; }

    private static string MessageFor(string location, StorageConflict conflict) => conflict switch
    {
        StorageConflict.AlreadyExists => $"'{location}' already exists.",
        StorageConflict.VersionMismatch =>
            $"'{location}' was changed or deleted by another writer since it was read; it was not replaced.",
        StorageConflict.DifferentContent =>
            $"'{location}' already exists with other content; a replay must write identical bytes.",
        _ => $"'{location}': conflicting write ({conflict}).",
    };
}

/// <summary>The storage refused access or could not be reached (bad credentials, missing permission, no endpoint).</summary>
public sealed class StorageAccessException(string message, Exception? innerException = null) : IOException(message, innerException);
