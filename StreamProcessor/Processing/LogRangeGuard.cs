using Microsoft.Extensions.Options;
using Pipeline.ServiceDefaults.Telemetry;
using Pipeline.StreamProcessor.Telemetry;

namespace Pipeline.StreamProcessor.Processing;

/// <summary>
/// Checks a lane's position against what the partition's log still holds, when the lane resumes from its checkpoint and
/// when the consumer finds its position out of range during the run (the consumer never resets on its own:
/// <c>auto.offset.reset=error</c>):
/// <list type="bullet">
/// <item>below the log start: retention deleted offsets before they were processed. They are counted
/// (<c>pipeline.kafka.offsets_lost</c>) and logged with their range, and the lane goes on from the log start, or the
/// processor stops under <see cref="ProcessorOptions.FailOnDataLoss"/> (Spark's <c>failOnDataLoss</c>);</item>
/// <item>beyond the log end: the topic was deleted and recreated (or truncated) since the checkpoint; every offset below
/// it would be dropped as a replay, silently, so the assignment is refused (<see cref="CheckpointBeyondLogException"/>).</item>
/// </list>
/// </summary>
internal sealed class LogRangeGuard(
    PartitionProber prober,
    ProcessorTelemetry telemetry,
    IOptions<ProcessorOptions> options,
    ILogger<LogRangeGuard> logger)
{
    private readonly ProcessorOptions _options = options.Value;

    /// <summary>
    /// Where a newly assigned lane starts: its checkpoint's next offset if the log still holds it. Null (the earliest
    /// offset) and 0 (the fence of a partition that has committed nothing yet) start at the log's start, whatever it is,
    /// and are not checked. Unchecked, with a warning, when the leader does not answer in time.
    /// </summary>
    public long? StartAt(string topic, int partition, long? checkpointNext, IMessageSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (checkpointNext is not { } next || next <= 0)
        {
            return checkpointNext;
        }

        if (source.QueryOffsets(partition, _options.PartitionProbeTimeout) is not { } log)
        {
            Log.StartUnchecked(logger, topic, partition, next, _options.PartitionProbeTimeout);
            return next;
        }

        prober.Record(partition, log);
        return ResumeAt(topic, partition, next, log);
    }

    /// <summary>Where a lane at <paramref name="next"/> goes on in a log holding <paramref name="log"/>.</summary>
    /// <exception cref="CheckpointBeyondLogException">The log ends before <paramref name="next"/>.</exception>
    /// <exception cref="DataLossException">Offsets were lost and <see cref="ProcessorOptions.FailOnDataLoss"/> is set.</exception>
    public long ResumeAt(string topic, int partition, long next, LogOffsets log)
    {
        if (next > log.High)
        {
            throw new CheckpointBeyondLogException(topic, partition, next, log.High);
        }

        if (next >= log.Low)
        {
            return next;
        }

        var lost = log.Low - next;
        telemetry.OffsetsLost.Add(lost,
            new KeyValuePair<string, object?>(ProcessorTelemetryNames.Tags.Topic, topic),
            new KeyValuePair<string, object?>(ProcessorTelemetryNames.Tags.Partition, PipelineTelemetry.PartitionId(partition)));
        Log.OffsetsLost(logger, topic, partition, next, log.Low - 1, lost, _options.FailOnDataLoss ? "stopping" : $"continuing from offset {log.Low}");
        if (_options.FailOnDataLoss)
        {
            throw new DataLossException(
                $"Partition {topic}/{partition}: offsets {next} to {log.Low - 1} ({lost}) were deleted from the log before they were " +
                $"processed, and {ProcessorOptions.SectionName}:{nameof(ProcessorOptions.FailOnDataLoss)} is set: stopping instead of " +
                $"continuing from offset {log.Low}.");
        }

        return log.Low;
    }
}
