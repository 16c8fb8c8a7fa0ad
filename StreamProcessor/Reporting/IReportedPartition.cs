using Pipeline.StreamProcessor.Windowing;

namespace Pipeline.StreamProcessor.Reporting;

/// <summary>
/// What the live view reads of one assigned partition. Processing's lanes implement it, so Reporting does not
/// depend on Processing (which depends on Reporting through the worker's <see cref="LiveView"/>).
/// </summary>
internal interface IReportedPartition
{
    string Topic { get; }

    int Partition { get; }

    PartitionWindows Windows { get; }
}
