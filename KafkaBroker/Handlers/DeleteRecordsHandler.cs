using Pipeline.KafkaBroker.Protocol;

namespace Pipeline.KafkaBroker.Handlers;

/// <summary>
/// DeleteRecords (21) v0–1 (the versions librdkafka's AdminClient speaks; v2 is the first flexible one): moves each
/// partition's log start to the offset asked (-1: the high watermark) and answers it as the low watermark. The
/// segments wholly before it are deleted at the next retention check, as Kafka does. v1 differs from v0 only in
/// throttling, which this broker never does.
/// </summary>
internal sealed class DeleteRecordsHandler : IRequestHandler
{
    public ApiKey ApiKey => ApiKey.DeleteRecords;

    public short MinVersion => 0;

    public short MaxVersion => 1;

    public ValueTask<bool> HandleAsync(RequestContext context, KafkaReader request, KafkaWriter response, CancellationToken cancellationToken)
    {
        response.WriteInt32(0); // throttle time
        PartitionArrays.Answer(context, request, response, (topic, index) =>
        {
            var offset = request.ReadInt64();
            var error = ErrorCode.UnknownTopicOrPartition;
            var lowWatermark = -1L;
            if (topic?.Partition(index) is { } partition)
            {
                error = partition.DeleteRecordsBefore(offset, out lowWatermark);
            }

            response.WriteInt64(lowWatermark);
            response.WriteInt16(error);
        });

        // The request's timeout (waiting for replicas) has nothing to wait for on a single node.
        return ValueTask.FromResult(true);
    }
}
