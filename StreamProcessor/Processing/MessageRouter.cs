using System.Diagnostics;
using Microsoft.Extensions.Options;

namespace Pipeline.StreamProcessor.Processing;

/// <summary>
/// Takes one message from the source to its partition's lane (<see cref="PartitionLane.Add"/>): a rejected one is
/// dead-lettered (<see cref="IResultPublisher.PublishRejected"/>), a late one counted, an id seen in two partitions
/// reported; each under its process span (<see cref="ProcessingTelemetry"/>). A message of a partition no longer
/// assigned here (revoked between fetch and delivery) is ignored. Engine's thread only: the hot path.
/// </summary>
internal sealed class MessageRouter(
    LaneAssignments lanes,
    IResultPublisher publisher,
    ProcessingTelemetry telemetry,
    IOptions<ProcessorOptions> options,
    TimeProvider timeProvider,
    ILogger<MessageRouter> logger)
{
    private readonly string _topic = options.Value.Topic;

    public void Route(in SourceMessage message)
    {
        if (!lanes.TryGet(message.Partition, out var lane))
        {
            return; // revoked between fetch and delivery
        }

        var started = timeProvider.GetTimestamp();
        string? rejectReason;
        using (var activity = telemetry.StartProcess(lane, in message, started))
        {
            rejectReason = AddToLane(lane, in message, started, activity);
        }

        telemetry.Processed(started, rejectReason);
    }

    /// <summary>Adds one message to its lane; returns the reject reason when it went to the dead-letter topic.</summary>
    private string? AddToLane(PartitionLane lane, in SourceMessage message, long now, Activity? activity)
    {
        var partition = lane.Partition;
        switch (lane.Add(in message, now))
        {
            case LaneResult.Rejected:
                var reason = message.Value.RejectReason!;
                publisher.PublishRejected(in message);
                telemetry.Rejected(activity, reason);
                Log.Rejected(logger, _topic, partition, message.Offset, reason);
                return reason;
            case LaneResult.Late:
                telemetry.Late();
                Log.LateEvent(logger, partition, message.Offset, message.Value.Event.Timestamp, lane.Windows.Watermark);
                break;
            case LaneResult.Replayed:
                return null;
        }

        var id = message.Value.Event.Id;
        if (lanes.Keys.IsConflict(id, partition, out var owner, out var firstReport))
        {
            telemetry.KeyInTwoPartitions();
            if (firstReport)
            {
                Log.KeyInTwoPartitions(logger, id, owner, partition);
            }
        }

        return null;
    }
}
