namespace Pipeline.StreamProcessor.Storage;

/// <summary>
/// An opaque version of an object, to hand back to <see cref="IRunStorage.ReplaceIfMatchAsync"/>: the ETag in
/// object storage, a hash of the content in a local folder. Compare only for equality.
/// </summary>
public readonly record struct ObjectVersion(string Value)
{
    public override string ToString() => Value;
}

/// <summary>An object read whole, with the version it was read at.</summary>
public sealed record StoredObject(ReadOnlyMemory<byte> Content, ObjectVersion Version);

/// <summary>
/// What a data write left: its length, and the version of the object if this write created it, to delete exactly that
/// object if its batch is abandoned (<see cref="IRunStorage.DeleteIfMatchAsync"/>). Null when another writer had put
/// identical bytes there first, and in a local folder, whose version (the content's hash) cannot tell writers apart.
/// </summary>
public readonly record struct WrittenObject(long Length, ObjectVersion? Version);
