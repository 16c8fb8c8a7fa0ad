namespace Pipeline.StreamProcessor.Processing;

/// <summary>
/// This start's settings differ from those the run was written with (or the run predates its stored settings),
/// so resuming it would mix two window definitions in one output folder. Thrown at start, before anything is
/// consumed or written; an operator decides (a new RunId, or the run's values).
/// </summary>
internal sealed class RunSettingsMismatchException(string message) : Exception(message);
