using Pipeline.KafkaBroker.Protocol;

namespace Pipeline.KafkaBroker.Handlers;

/// <summary>
/// InitProducerId (22) v0–1 for idempotent producers: a producer id unique across restarts, epoch 0.
/// Transactional producers are refused (no transaction coordinator here).
/// </summary>
internal sealed class InitProducerIdHandler : IRequestHandler
{
    public ApiKey ApiKey => ApiKey.InitProducerId;

    public short MinVersion => 0;

    public short MaxVersion => 1;

    public ValueTask<bool> HandleAsync(RequestContext context, KafkaReader request, KafkaWriter response, CancellationToken cancellationToken)
    {
        var transactionalId = request.ReadNullableString();
        _ = request.ReadInt32(); // transaction timeout
        response.WriteInt32(0); // throttle time
        if (transactionalId is not null)
        {
            response.WriteInt16(ErrorCode.CoordinatorNotAvailable);
            response.WriteInt64(-1);
            response.WriteInt16(-1);
            return ValueTask.FromResult(true);
        }

        response.WriteInt16(ErrorCode.None);
        response.WriteInt64(context.Broker.Topics.AllocateProducerId());
        response.WriteInt16((short)0); // epoch
        return ValueTask.FromResult(true);
    }
}
