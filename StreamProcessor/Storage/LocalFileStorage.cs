using System.Runtime.CompilerServices;
using System.Security.Cryptography;

namespace Pipeline.StreamProcessor.Storage;

/// <summary>
/// A run in a local folder, with today's semantics: data objects are written to a hidden temporary file, flushed
/// and renamed over the target (<see cref="AtomicFile"/>), so a replay simply replaces the file. Conditional writes
/// serialize on an exclusive lock of a hidden <c>.&lt;name&gt;.lock</c> beside the object (an advisory lock on
/// Unix, released by the OS when a process dies); the version is the SHA-256 of the content, so a read needs no
/// extra metadata and a rewrite with identical bytes keeps the version.
/// </summary>
public sealed class LocalFileStorage : IRunStorage
{
    private const string LockSuffix = ".lock";

    /// <param name="rootDirectory">The run's folder (<see cref="ForRun"/>); created on the first write.</param>
    public LocalFileStorage(string rootDirectory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(rootDirectory);
        RootDirectory = Path.GetFullPath(rootDirectory);
    }

    /// <summary>
    /// The run <paramref name="runId"/> under <paramref name="outputPath"/>: the folder
    /// <c>&lt;outputPath&gt;/run_&lt;runId&gt;/</c> (<see cref="OutputLayout.RunFolderName"/>), resolved once, so a later
    /// change of the working directory cannot move the output.
    /// </summary>
    /// <exception cref="ArgumentException">The run id holds anything but letters, digits, '.', '_' and '-', or is '.' or '..'.</exception>
    public static LocalFileStorage ForRun(string outputPath, string runId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(outputPath);
        ArgumentException.ThrowIfNullOrEmpty(runId);
        if (!OutputLayout.IsSafeName(runId) || runId is "." or "..")
        {
            throw new ArgumentException($"Run id '{runId}' may contain only letters, digits, '.', '_' and '-'.", nameof(runId));
        }

        return new LocalFileStorage(Path.Combine(outputPath, OutputLayout.RunFolderName(runId)));
    }

    public string RootDirectory { get; }

    public string Locate(string name) => PathOf(name);

    public string Root => RootDirectory;

    /// <summary>Encoding a file is CPU-bound: one per core.</summary>
    public int MaxConcurrentWrites => Environment.ProcessorCount;

    /// <summary>Nothing to do: <c>SinkOptionsValidator</c> created and test-wrote the output folder at start.</summary>
    public Task EnsureReadyAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task<WrittenObject> WriteAsync<TState>(
        string name, TState state, Func<Stream, TState, CancellationToken, Task> write, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        string path = PathOf(name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        return new WrittenObject(await AtomicFile.WriteAsync(path, state, write, cancellationToken), Version: null);
    }

    public async Task<StoredObject?> ReadAsync(string name, CancellationToken cancellationToken)
    {
        byte[]? content = await TryReadAsync(PathOf(name), cancellationToken);
        return content is null ? null : new StoredObject(content, VersionOf(content));
    }

    public Task<Stream?> OpenReadAsync(string name, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        string path = PathOf(name);
        try
        {
            // FileShare.Delete: a compaction may delete an input a reader still has open; the reader keeps its copy.
            return Task.FromResult<Stream?>(new FileStream(
                path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1 << 16, FileOptions.Asynchronous));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return Task.FromResult<Stream?>(null);
        }
    }

    public Task<long?> GetLengthAsync(string name, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var file = new FileInfo(PathOf(name));
        return Task.FromResult<long?>(file.Exists ? file.Length : null);
    }

    public IAsyncEnumerable<string> ListAsync(string prefix, CancellationToken cancellationToken)
    {
        ObjectNames.ValidatePrefix(prefix);
        return ListCore(prefix, cancellationToken);
    }

    public Task<bool> DeleteAsync(string name, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        string path = PathOf(name);
        if (!File.Exists(path))
        {
            return Task.FromResult(false);
        }

        File.Delete(path);
        return Task.FromResult(true);
    }

    public async Task<bool> DeleteIfMatchAsync(string name, ObjectVersion expected, CancellationToken cancellationToken)
    {
        string path = PathOf(name);
        if (!File.Exists(path))
        {
            return false;
        }

        await using var objectLock = await LockAsync(path, cancellationToken);
        byte[]? current = await TryReadAsync(path, cancellationToken);
        if (current is null || VersionOf(current) != expected)
        {
            return false;
        }

        File.Delete(path);
        return true;
    }

    public IAsyncEnumerable<string> ListFoldersAsync(string folder, CancellationToken cancellationToken)
    {
        ObjectNames.ValidateFolder(folder);
        return ListFoldersCore(folder, cancellationToken);
    }

    public Task<int> DeleteIncompleteAsync(string folder, Func<string, bool> isOurs, CancellationToken cancellationToken)
    {
        ObjectNames.ValidateFolder(folder);
        ArgumentNullException.ThrowIfNull(isOurs);
        string directory = DirectoryOf(folder);
        if (!Directory.Exists(directory))
        {
            return Task.FromResult(0);
        }

        int deleted = 0;
        // ".<name>.tmp": a write that never reached its rename (AtomicFile).
        foreach (string path in Directory.EnumerateFiles(directory, ".*" + OutputLayout.TempSuffix))
        {
            cancellationToken.ThrowIfCancellationRequested();
            string fileName = Path.GetFileName(path);
            string target = folder + fileName[1..^OutputLayout.TempSuffix.Length];
            if (ObjectNames.IsValid(target) && isOurs(target))
            {
                File.Delete(path);
                deleted++;
            }
        }

        return Task.FromResult(deleted);
    }

    public async Task<ObjectVersion> CreateIfAbsentAsync(string name, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        string path = PathOf(name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await using var objectLock = await LockAsync(path, cancellationToken);
        if (File.Exists(path))
        {
            throw new StorageConflictException(name, path, StorageConflict.AlreadyExists);
        }

        await AtomicFile.WriteAsync(path, content, WriteBytesAsync, cancellationToken);
        return VersionOf(content.Span);
    }

    public async Task<ObjectVersion> ReplaceIfMatchAsync(
        string name, ReadOnlyMemory<byte> content, ObjectVersion expected, CancellationToken cancellationToken)
    {
        string path = PathOf(name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await using var objectLock = await LockAsync(path, cancellationToken);
        byte[]? current = await TryReadAsync(path, cancellationToken);
        if (current is null || VersionOf(current) != expected)
        {
            throw new StorageConflictException(name, path, StorageConflict.VersionMismatch);
        }

        await AtomicFile.WriteAsync(path, content, WriteBytesAsync, cancellationToken);
        return VersionOf(content.Span);
    }

    private string PathOf(string name)
    {
        ObjectNames.Validate(name);
        return Path.Combine(RootDirectory, name.Replace(ObjectNames.Separator, Path.DirectorySeparatorChar));
    }

    private async IAsyncEnumerable<string> ListFoldersCore(string folder, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        string directory = DirectoryOf(folder);
        if (!Directory.Exists(directory))
        {
            yield break;
        }

        foreach (string path in Directory.EnumerateDirectories(directory))
        {
            cancellationToken.ThrowIfCancellationRequested();
            string name = Path.GetFileName(path);
            if (!name.StartsWith('.'))
            {
                yield return folder + name + ObjectNames.Separator;
            }
        }
    }

    private string DirectoryOf(string folder) =>
        folder.Length == 0 ? RootDirectory : Path.Combine(RootDirectory, folder[..^1].Replace(ObjectNames.Separator, Path.DirectorySeparatorChar));

    private async IAsyncEnumerable<string> ListCore(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // The folder the prefix's complete segments name; its partial last segment only filters.
        int lastSeparator = prefix.LastIndexOf(ObjectNames.Separator);
        string directory = lastSeparator < 0
            ? RootDirectory
            : Path.Combine(RootDirectory, prefix[..lastSeparator].Replace(ObjectNames.Separator, Path.DirectorySeparatorChar));
        if (!Directory.Exists(directory))
        {
            yield break;
        }

        var options = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = false, AttributesToSkip = 0 };
        foreach (string path in Directory.EnumerateFiles(directory, "*", options))
        {
            cancellationToken.ThrowIfCancellationRequested();
            string name = Path.GetRelativePath(RootDirectory, path).Replace(Path.DirectorySeparatorChar, ObjectNames.Separator);
            if (name.StartsWith(prefix, StringComparison.Ordinal) && !IsHidden(name))
            {
                yield return name;
            }
        }
    }

    /// <summary>Temporary files (<c>.x.tmp</c>), locks (<c>.x.lock</c>) and anything under a dot folder are not objects.</summary>
    private static bool IsHidden(string name) =>
        name.StartsWith('.') || name.Contains(ObjectNames.Separator + ".", StringComparison.Ordinal);

    private static async Task<byte[]?> TryReadAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            return await File.ReadAllBytesAsync(path, cancellationToken);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    private static Task WriteBytesAsync(Stream stream, ReadOnlyMemory<byte> content, CancellationToken cancellationToken) =>
        stream.WriteAsync(content, cancellationToken).AsTask();

    private static ObjectVersion VersionOf(ReadOnlySpan<byte> content) =>
        new("sha256:" + Convert.ToHexStringLower(SHA256.HashData(content)));

    private static Task<FileStream> LockAsync(string path, CancellationToken cancellationToken) =>
        ExclusiveFileLock.AcquireAsync(Path.Combine(Path.GetDirectoryName(path)!, "." + Path.GetFileName(path) + LockSuffix), cancellationToken);
}
