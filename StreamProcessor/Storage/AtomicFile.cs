namespace Pipeline.StreamProcessor.Storage;

/// <summary>
/// Write-then-rename: the content goes to a hidden temporary file in the target's folder, is flushed to the
/// disk, and only then replaces the target by <see cref="File.Move(string, string, bool)"/> (a <c>rename(2)</c>
/// on Linux, atomic within one file system). A reader sees the old file or the new one, never a partial one;
/// a crash leaves at most a temporary file, which <c>OrphanCleaner</c> removes.
/// </summary>
/// <remarks>
/// .NET has no API to fsync a directory, so the rename itself becomes durable when the file system commits
/// its journal. That covers a killed process fully; after a power loss, journaling file systems (ext4, xfs)
/// persist renames in order, so a checkpoint cannot survive without the data files renamed before it.
/// </remarks>
internal static class AtomicFile
{
    private const int BufferSize = 1 << 16;

    /// <summary>Writes <paramref name="finalPath"/> atomically and returns its length in bytes.</summary>
    public static async Task<long> WriteAsync<TState>(
        string finalPath,
        TState state,
        Func<Stream, TState, CancellationToken, Task> write,
        CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(finalPath);
        ArgumentNullException.ThrowIfNull(write);

        string tempPath = OutputLayout.TempPathFor(finalPath);
        long length;
        try
        {
            await using (var stream = new FileStream(tempPath, FileMode.Create, FileAccess.Write, FileShare.None, BufferSize))
            {
                await write(stream, state, cancellationToken);
                await stream.FlushAsync(cancellationToken);
                stream.Flush(flushToDisk: true);
                length = stream.Length;
            }

            File.Move(tempPath, finalPath, overwrite: true);
        }
        catch
        {
            // Leave nothing half-written behind on a failure we survive; a crash leaves the temp file to OrphanCleaner.
            TryDelete(tempPath);
            throw;
        }

        return length;
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The original failure is what matters; OrphanCleaner removes the temp file at the next start.
        }
    }
}
