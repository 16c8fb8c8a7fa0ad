namespace Pipeline.StreamProcessor.Processing;

/// <summary>
/// Offsets a lane had not processed were deleted from the log (retention), and
/// <see cref="ProcessorOptions.FailOnDataLoss"/> says to stop rather than go on from the log start.
/// </summary>
internal sealed class DataLossException(string message) : Exception(message);
