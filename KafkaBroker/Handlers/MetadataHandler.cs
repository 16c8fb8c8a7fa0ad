using Pipeline.KafkaBroker.Protocol;

namespace Pipeline.KafkaBroker.Handlers;

/// <summary>Metadata (3) v0–8. (Skeleton: brokers and controller only; topics come with the storage work.)</summary>
internal sealed class MetadataHandler : IRequestHandler
{
    public ApiKey ApiKey => ApiKey.Metadata;

    public short MinVersion => 0;

    public short MaxVersion => 8;

    public ValueTask<bool> HandleAsync(RequestContext context, KafkaReader request, KafkaWriter response, CancellationToken cancellationToken)
    {
        var version = context.Version;
        var broker = context.Broker;
        if (version >= 3)
        {
            response.WriteInt32(0); // throttle time
        }

        response.WriteArrayLength(1);
        response.WriteInt32(broker.NodeId);
        response.WriteString(broker.AdvertisedHost);
        response.WriteInt32(broker.AdvertisedPort);
        if (version >= 1)
        {
            response.WriteString(null); // rack
        }

        if (version >= 2)
        {
            response.WriteString(broker.ClusterId);
        }

        if (version >= 1)
        {
            response.WriteInt32(broker.NodeId); // controller: admin clients route to it
        }

        response.WriteArrayLength(0);
        if (version >= 8)
        {
            response.WriteInt32(int.MinValue); // cluster authorized operations: not provided
        }

        return ValueTask.FromResult(true);
    }
}
