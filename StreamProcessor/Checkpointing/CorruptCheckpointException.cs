namespace Pipeline.StreamProcessor.Checkpointing;

/// <summary>
/// A checkpoint file exists but cannot be trusted. Never handled by restarting from offset zero: that would
/// duplicate every committed row. An operator decides (restore the file, or start a new RunId).
/// </summary>
internal sealed class CorruptCheckpointException : Exception
{
    public CorruptCheckpointException(string path, string reason, Exception? innerException = null)
        : base($"Checkpoint file '{path}' is corrupt or unreadable: {reason}", innerException)
    {
        FilePath = path;
    }

    public string FilePath { get; }
}
