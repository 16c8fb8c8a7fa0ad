using Pipeline.StreamProcessor.Storage;

namespace Pipeline.Benchmarks.Files;

/// <summary>
/// The run's <see cref="IRunStorage"/> with every Parquet object created or deleted counted, whoever does it (the batch
/// commits, orphan cleanup, a compaction), and the checkpoint writes. Thread-safe: a batch's files are written in parallel.
/// </summary>
internal sealed class CountingStorage(IRunStorage inner) : IRunStorage
{
    private long _rawWritten;
    private long _aggregatesWritten;
    private long _otherWritten;
    private long _bytesWritten;
    private long _deleted;
    private long _checkpointWrites;

    public IRunStorage Inner => inner;

    public string Root => inner.Root;

    public int MaxConcurrentWrites => inner.MaxConcurrentWrites;

    public FileCounts Counts => new(
        Interlocked.Read(ref _rawWritten), Interlocked.Read(ref _aggregatesWritten), Interlocked.Read(ref _otherWritten),
        Interlocked.Read(ref _bytesWritten), Interlocked.Read(ref _deleted), Interlocked.Read(ref _checkpointWrites));

    public string Locate(string name) => inner.Locate(name);

    public Task EnsureReadyAsync(CancellationToken cancellationToken) => inner.EnsureReadyAsync(cancellationToken);

    public async Task<WrittenObject> WriteAsync<TState>(
        string name, TState state, Func<Stream, TState, CancellationToken, Task> write, CancellationToken cancellationToken)
    {
        var written = await inner.WriteAsync(name, state, write, cancellationToken);
        if (IsParquet(name))
        {
            Interlocked.Increment(ref WrittenCounter(name));
            Interlocked.Add(ref _bytesWritten, written.Length);
        }

        return written;
    }

    public Task<StoredObject?> ReadAsync(string name, CancellationToken cancellationToken) => inner.ReadAsync(name, cancellationToken);

    public Task<Stream?> OpenReadAsync(string name, CancellationToken cancellationToken) => inner.OpenReadAsync(name, cancellationToken);

    public Task<long?> GetLengthAsync(string name, CancellationToken cancellationToken) => inner.GetLengthAsync(name, cancellationToken);

    public IAsyncEnumerable<string> ListAsync(string prefix, CancellationToken cancellationToken) => inner.ListAsync(prefix, cancellationToken);

    public IAsyncEnumerable<string> ListFoldersAsync(string folder, CancellationToken cancellationToken) => inner.ListFoldersAsync(folder, cancellationToken);

    public Task<int> DeleteIncompleteAsync(string folder, Func<string, bool> isOurs, CancellationToken cancellationToken) =>
        inner.DeleteIncompleteAsync(folder, isOurs, cancellationToken);

    public async Task<bool> DeleteAsync(string name, CancellationToken cancellationToken) =>
        CountDeleted(name, await inner.DeleteAsync(name, cancellationToken));

    public async Task<bool> DeleteIfMatchAsync(string name, ObjectVersion expected, CancellationToken cancellationToken) =>
        CountDeleted(name, await inner.DeleteIfMatchAsync(name, expected, cancellationToken));

    public async Task<ObjectVersion> CreateIfAbsentAsync(string name, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        var version = await inner.CreateIfAbsentAsync(name, content, cancellationToken);
        CountCheckpoint(name);
        return version;
    }

    public async Task<ObjectVersion> ReplaceIfMatchAsync(
        string name, ReadOnlyMemory<byte> content, ObjectVersion expected, CancellationToken cancellationToken)
    {
        var version = await inner.ReplaceIfMatchAsync(name, content, expected, cancellationToken);
        CountCheckpoint(name);
        return version;
    }

    private ref long WrittenCounter(string name)
    {
        if (name.StartsWith(OutputLayout.EventsFolder, StringComparison.Ordinal))
        {
            return ref _rawWritten;
        }

        if (name.StartsWith(OutputLayout.AggregatesFolder, StringComparison.Ordinal))
        {
            return ref _aggregatesWritten;
        }

        return ref _otherWritten;
    }

    private static bool IsParquet(string name) => name.EndsWith(OutputLayout.ParquetExtension, StringComparison.Ordinal);

    private bool CountDeleted(string name, bool deleted)
    {
        if (deleted && IsParquet(name))
        {
            Interlocked.Increment(ref _deleted);
        }

        return deleted;
    }

    private void CountCheckpoint(string name)
    {
        if (name.StartsWith(OutputLayout.CheckpointsFolder, StringComparison.Ordinal))
        {
            Interlocked.Increment(ref _checkpointWrites);
        }
    }
}

/// <summary>What <see cref="CountingStorage"/> counted: Parquet objects created (raw, aggregates, elsewhere), their bytes, deleted, and checkpoint writes.</summary>
internal readonly record struct FileCounts(long RawWritten, long AggregatesWritten, long OtherWritten, long BytesWritten, long Deleted, long CheckpointWrites)
{
    public long Written => RawWritten + AggregatesWritten + OtherWritten;
}
