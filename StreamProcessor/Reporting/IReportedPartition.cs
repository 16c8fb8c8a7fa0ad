using Pipeline.StreamProcessor.Windowing;

namespace Pipeline.StreamProcessor.Reporting;

/// <summary>
/// What the live view and the progress snapshots (<see cref="ProgressTracker"/>) read of one assigned partition, on the
/// engine's thread. Processing's lanes implement it, so Reporting does not depend on Processing (which depends on
/// Reporting through the worker's <see cref="LiveView"/>).
/// </summary>
internal interface IReportedPartition
{
    string Topic { get; }

    int Partition { get; }

    PartitionWindows Windows { get; }

    /// <summary>The first offset not yet processed (the consumer's position); -1 before the first message of a fresh run.</summary>
    long NextOffset { get; }

    LaneProgress Progress { get; }
}
