using Pipeline.StreamProcessor.Storage;

namespace Pipeline.Tests.TestKit;

/// <summary>
/// A run's storage that fails writes of chosen objects the way a crash would leave them, everything else passed through:
/// <see cref="FailAfterCommit"/> lets the write commit and then throws (the process died right after it), and
/// <see cref="FailWhileWriting"/> throws while the content is being written (nothing becomes visible); and
/// <see cref="BeforeRead"/> runs something (a compaction, say) just before an object is read.
/// </summary>
internal sealed class FailingStorage(IRunStorage inner) : IRunStorage
{
    /// <summary>Objects whose write commits and then throws.</summary>
    public Func<string, bool> FailAfterCommit { get; set; } = static _ => false;

    /// <summary>Objects whose write throws halfway through their content.</summary>
    public Func<string, bool> FailWhileWriting { get; set; } = static _ => false;

    /// <summary>Runs before each read of an object (whole or streamed), with its name.</summary>
    public Func<string, Task> BeforeRead { get; set; } = static _ => Task.CompletedTask;

    public string Root => inner.Root;

    public int MaxConcurrentWrites => inner.MaxConcurrentWrites;

    public string Locate(string name) => inner.Locate(name);

    public Task EnsureReadyAsync(CancellationToken cancellationToken) => inner.EnsureReadyAsync(cancellationToken);

    public async Task<WrittenObject> WriteAsync<TState>(
        string name, TState state, Func<Stream, TState, CancellationToken, Task> write, CancellationToken cancellationToken)
    {
        if (FailWhileWriting(name))
        {
            return await inner.WriteAsync(name, state, async (stream, _, ct) =>
            {
                await stream.WriteAsync("PAR1"u8.ToArray(), ct);
                throw new IOException($"Injected failure while writing '{name}'.");
            }, cancellationToken);
        }

        var written = await inner.WriteAsync(name, state, write, cancellationToken);
        if (FailAfterCommit(name))
        {
            throw new IOException($"Injected failure after committing '{name}'.");
        }

        return written;
    }

    public async Task<StoredObject?> ReadAsync(string name, CancellationToken cancellationToken)
    {
        await BeforeRead(name);
        return await inner.ReadAsync(name, cancellationToken);
    }

    public async Task<Stream?> OpenReadAsync(string name, CancellationToken cancellationToken)
    {
        await BeforeRead(name);
        return await inner.OpenReadAsync(name, cancellationToken);
    }

    public Task<long?> GetLengthAsync(string name, CancellationToken cancellationToken) => inner.GetLengthAsync(name, cancellationToken);

    public IAsyncEnumerable<string> ListAsync(string prefix, CancellationToken cancellationToken) => inner.ListAsync(prefix, cancellationToken);

    public IAsyncEnumerable<string> ListFoldersAsync(string folder, CancellationToken cancellationToken) => inner.ListFoldersAsync(folder, cancellationToken);

    public Task<int> DeleteIncompleteAsync(string folder, Func<string, bool> isOurs, CancellationToken cancellationToken) =>
        inner.DeleteIncompleteAsync(folder, isOurs, cancellationToken);

    public Task<bool> DeleteAsync(string name, CancellationToken cancellationToken) => inner.DeleteAsync(name, cancellationToken);

    public Task<bool> DeleteIfMatchAsync(string name, ObjectVersion expected, CancellationToken cancellationToken) =>
        inner.DeleteIfMatchAsync(name, expected, cancellationToken);

    public Task<ObjectVersion> CreateIfAbsentAsync(string name, ReadOnlyMemory<byte> content, CancellationToken cancellationToken) =>
        inner.CreateIfAbsentAsync(name, content, cancellationToken);

    public Task<ObjectVersion> ReplaceIfMatchAsync(
        string name, ReadOnlyMemory<byte> content, ObjectVersion expected, CancellationToken cancellationToken) =>
        inner.ReplaceIfMatchAsync(name, content, expected, cancellationToken);
}
