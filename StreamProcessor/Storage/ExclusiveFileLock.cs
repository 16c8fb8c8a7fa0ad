namespace Pipeline.StreamProcessor.Storage;

/// <summary>
/// A lock between processes on one machine: a lock file opened with <see cref="FileShare.None"/>, held until the
/// returned stream is disposed. Another holder keeps it only for a moment (one read-check-write), so a taker retries
/// until <see cref="Timeout"/>, then the open's <see cref="IOException"/> escapes.
/// </summary>
internal static class ExclusiveFileLock
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    public static async Task<FileStream> AcquireAsync(string lockPath, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (true)
        {
            try
            {
                return new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(20, cancellationToken);
            }
        }
    }
}
