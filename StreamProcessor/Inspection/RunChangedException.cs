namespace Pipeline.StreamProcessor.Inspection;

/// <summary>
/// A file of the live set vanished between the listing and its read: a compaction replaced it (its rows are now in a
/// compacted file the listing did not have yet) or a processor removed an orphan. Reading the run again sees it whole.
/// </summary>
internal sealed class RunChangedException(string location)
    : IOException($"'{location}' vanished while the run was read (a compaction replaced it, or a processor removed it).");
