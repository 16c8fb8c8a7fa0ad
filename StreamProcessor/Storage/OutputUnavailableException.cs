namespace Pipeline.StreamProcessor.Storage;

/// <summary>
/// The run's storage refused the configured credentials or could not be reached at start; the message names the
/// setting (never its value, which holds the key). Not an <see cref="IOException"/>: the start fails, it is not a
/// sink failure to retry.
/// </summary>
public sealed class OutputUnavailableException(string message, Exception innerException) : Exception(message, innerException);
