using Pipeline.KafkaBroker.Protocol;
using Pipeline.KafkaBroker.Storage;

namespace Pipeline.KafkaBroker.Handlers;

/// <summary>
/// Metadata (3) v0–8: this node as the only broker, the controller (admin clients route to it) and
/// every partition's leader. v0 empty list or v1+ null = all topics. A missing topic is created
/// when the broker allows it and the request does (v4+ flag; v0–3 always allow, as in Kafka).
/// Leader epochs are 0: clients below Metadata v9 do not validate them.
/// </summary>
internal sealed class MetadataHandler : IRequestHandler
{
    public ApiKey ApiKey => ApiKey.Metadata;

    public short MinVersion => 0;

    public short MaxVersion => 8;

    public ValueTask<bool> HandleAsync(RequestContext context, KafkaReader request, KafkaWriter response, CancellationToken cancellationToken)
    {
        var version = context.Version;
        var broker = context.Broker;
        var count = request.ReadArrayLength();
        var requested = new List<string>(Math.Max(count, 0));
        for (var i = 0; i < count; i++)
        {
            requested.Add(request.ReadString());
        }

        var allowAutoCreate = version < 4 || request.ReadBool();
        var allTopics = count < 0 || (version == 0 && count == 0);

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
            response.WriteInt32(broker.NodeId); // controller
        }

        if (allTopics)
        {
            var topics = broker.Topics.Snapshot();
            response.WriteArrayLength(topics.Count);
            foreach (var topic in topics)
            {
                WriteTopic(response, version, broker.NodeId, topic.Name, topic, ErrorCode.None);
            }
        }
        else
        {
            response.WriteArrayLength(requested.Count);
            foreach (var name in requested)
            {
                var topic = broker.Topics.GetOrAutoCreate(name, allowAutoCreate);
                var error = topic is not null ? ErrorCode.None
                    : TopicRegistry.ValidateName(name) is not null ? ErrorCode.InvalidTopicException
                    : ErrorCode.UnknownTopicOrPartition;
                WriteTopic(response, version, broker.NodeId, name, topic, error);
            }
        }

        if (version >= 8)
        {
            response.WriteInt32(int.MinValue); // cluster authorized operations: not provided
        }

        return ValueTask.FromResult(true);
    }

    private static void WriteTopic(KafkaWriter response, short version, int nodeId, string name, TopicLog? topic, ErrorCode error)
    {
        response.WriteInt16(error);
        response.WriteString(name);
        if (version >= 1)
        {
            response.WriteBool(false); // internal
        }

        var partitions = topic?.Partitions.Count ?? 0;
        response.WriteArrayLength(partitions);
        for (var p = 0; p < partitions; p++)
        {
            response.WriteInt16(ErrorCode.None);
            response.WriteInt32(p);
            response.WriteInt32(nodeId); // leader
            if (version >= 7)
            {
                response.WriteInt32(PartitionLog.LeaderEpoch);
            }

            response.WriteArrayLength(1);
            response.WriteInt32(nodeId); // replicas
            response.WriteArrayLength(1);
            response.WriteInt32(nodeId); // in-sync replicas
            if (version >= 5)
            {
                response.WriteArrayLength(0); // offline replicas
            }
        }

        if (version >= 8)
        {
            response.WriteInt32(int.MinValue); // topic authorized operations: not provided
        }
    }
}
