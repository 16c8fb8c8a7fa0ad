using Pipeline.KafkaBroker.Protocol;

namespace Pipeline.KafkaBroker.Handlers;

/// <summary>FindCoordinator (10) v0–2: this node coordinates every group; transactions are not supported.</summary>
internal sealed class FindCoordinatorHandler : IRequestHandler
{
    public ApiKey ApiKey => ApiKey.FindCoordinator;

    public short MinVersion => 0;

    public short MaxVersion => 2;

    public ValueTask<bool> HandleAsync(RequestContext context, KafkaReader request, KafkaWriter response, CancellationToken cancellationToken)
    {
        var version = context.Version;
        _ = request.ReadString(); // key
        var keyType = version >= 1 ? request.ReadInt8() : 0;
        var broker = context.Broker;
        var error = keyType == 0 ? ErrorCode.None : ErrorCode.CoordinatorNotAvailable;
        if (version >= 1)
        {
            response.WriteInt32(0); // throttle time
        }

        response.WriteInt16(error);
        if (version >= 1)
        {
            response.WriteString(error == ErrorCode.None ? null : "Transactions are not supported by the embedded broker.");
        }

        response.WriteInt32(error == ErrorCode.None ? broker.NodeId : -1);
        response.WriteString(error == ErrorCode.None ? broker.AdvertisedHost : string.Empty);
        response.WriteInt32(error == ErrorCode.None ? broker.AdvertisedPort : -1);
        return ValueTask.FromResult(true);
    }
}
