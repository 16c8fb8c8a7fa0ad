using Pipeline.KafkaBroker.Protocol;

namespace Pipeline.KafkaBroker.Handlers;

/// <summary>
/// Produce (0) v3–8: one magic-2 batch per partition, validated, deduplicated for idempotent
/// producers and appended as sent. acks=0 gets no response at all; on one node acks=1 and acks=all
/// are the same. Topics are auto-created on produce when the broker allows it.
/// </summary>
internal sealed class ProduceHandler : IRequestHandler
{
    public ApiKey ApiKey => ApiKey.Produce;

    public short MinVersion => 3;

    public short MaxVersion => 8;

    public ValueTask<bool> HandleAsync(RequestContext context, KafkaReader request, KafkaWriter response, CancellationToken cancellationToken)
    {
        var version = context.Version;
        var topics = context.Broker.Topics;
        _ = request.ReadNullableString(); // transactional id: transactions are not supported; batches are stored as sent
        var acks = request.ReadInt16();
        _ = request.ReadInt32(); // timeout: nothing to wait for on a single node
        var acksValid = acks is -1 or 0 or 1;
        var topicCount = request.ReadArrayLength();
        response.WriteArrayLength(Math.Max(topicCount, 0));
        for (var t = 0; t < topicCount; t++)
        {
            var name = request.ReadString();
            var topic = acksValid ? topics.GetOrAutoCreate(name, clientAllows: true) : null;
            var partitionCount = request.ReadArrayLength();
            response.WriteString(name);
            response.WriteArrayLength(Math.Max(partitionCount, 0));
            for (var p = 0; p < partitionCount; p++)
            {
                var index = request.ReadInt32();
                var records = request.ReadNullableBytes();
                long baseOffset = -1;
                ErrorCode error;
                var partition = topic?.Partition(index);
                if (!acksValid)
                {
                    error = ErrorCode.InvalidRequiredAcks;
                }
                else if (partition is null)
                {
                    error = ErrorCode.UnknownTopicOrPartition;
                }
                else if (records is not { } batch)
                {
                    error = ErrorCode.CorruptMessage;
                }
                else
                {
                    error = partition.Append(batch.Span, context.Broker.Options.MaxMessageBytes, out baseOffset);
                }

                response.WriteInt32(index);
                response.WriteInt16(error);
                response.WriteInt64(baseOffset);
                response.WriteInt64(-1); // log append time: topics use CreateTime
                if (version >= 5)
                {
                    response.WriteInt64(partition?.LogStartOffset ?? -1);
                }

                if (version >= 8)
                {
                    response.WriteArrayLength(0); // record errors
                    response.WriteString(error == ErrorCode.None ? null : error.ToString());
                }
            }
        }

        response.WriteInt32(0); // throttle time
        return ValueTask.FromResult(acks != 0);
    }
}
