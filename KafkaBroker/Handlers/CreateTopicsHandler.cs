using Pipeline.KafkaBroker.Protocol;

namespace Pipeline.KafkaBroker.Handlers;

/// <summary>
/// CreateTopics (19) v0–4. Partitions -1 = the broker default; replication factor must be 1 or -1
/// (one node); explicit replica assignments give the partition count. Answers once the topic is
/// visible in metadata, since clients produce or describe right away.
/// </summary>
internal sealed class CreateTopicsHandler : IRequestHandler
{
    public ApiKey ApiKey => ApiKey.CreateTopics;

    public short MinVersion => 0;

    public short MaxVersion => 4;

    public ValueTask<bool> HandleAsync(RequestContext context, KafkaReader request, KafkaWriter response, CancellationToken cancellationToken)
    {
        var version = context.Version;
        var topicCount = request.ReadArrayLength();
        var topics = new List<(string Name, int Partitions, short ReplicationFactor, int Assignments, Dictionary<string, string?> Configs)>();
        for (var t = 0; t < topicCount; t++)
        {
            var name = request.ReadString();
            var partitions = request.ReadInt32();
            var replicationFactor = request.ReadInt16();
            var assignmentCount = request.ReadArrayLength();
            for (var a = 0; a < assignmentCount; a++)
            {
                _ = request.ReadInt32();
                var brokers = request.ReadArrayLength();
                for (var b = 0; b < brokers; b++)
                {
                    _ = request.ReadInt32();
                }
            }

            var configCount = request.ReadArrayLength();
            var configs = new Dictionary<string, string?>(StringComparer.Ordinal);
            for (var c = 0; c < configCount; c++)
            {
                configs[request.ReadString()] = request.ReadNullableString();
            }

            topics.Add((name, partitions, replicationFactor, Math.Max(assignmentCount, 0), configs));
        }

        _ = request.ReadInt32(); // timeout: creation is synchronous
        var validateOnly = version >= 1 && request.ReadBool();

        if (version >= 2)
        {
            response.WriteInt32(0); // throttle time
        }

        response.WriteArrayLength(topics.Count);
        foreach (var topic in topics)
        {
            var (error, message) = Create(context, topic.Name, topic.Partitions, topic.ReplicationFactor, topic.Assignments, topic.Configs, validateOnly);
            response.WriteString(topic.Name);
            response.WriteInt16(error);
            if (version >= 1)
            {
                response.WriteString(message);
            }
        }

        return ValueTask.FromResult(true);
    }

    private static (ErrorCode, string?) Create(
        RequestContext context, string name, int partitions, short replicationFactor, int assignments, Dictionary<string, string?> configs, bool validateOnly)
    {
        if (assignments > 0 && partitions != -1)
        {
            return (ErrorCode.InvalidRequest, "Give either a partition count or replica assignments, not both.");
        }

        if (replicationFactor is not (1 or -1) && assignments == 0)
        {
            return (ErrorCode.InvalidReplicationFactor, $"Replication factor {replicationFactor} is larger than the 1 broker available.");
        }

        var count = assignments > 0 ? assignments : partitions == -1 ? context.Broker.Options.DefaultPartitions : partitions;
        return context.Broker.Topics.Create(name, count, configs, validateOnly);
    }
}
