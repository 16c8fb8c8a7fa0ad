using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Microsoft.Extensions.Logging;

namespace Pipeline.AppHost.Topology;

/// <summary>
/// Creates the pipeline's topics with their partition counts before the services start (Aspire has
/// no topic API; the AppHost calls this from the Kafka resource's ready event, which <c>WaitFor</c>
/// awaits). Idempotent: an existing topic is kept, and a partition count that differs is reported,
/// not silently ignored. Replicas: the cluster's default unless a replication factor is given (capped by the
/// brokers the cluster has), never a fixed 1 that leaves a three-broker cluster's topics on one broker.
/// </summary>
public static partial class TopicProvisioner
{
    /// <summary>What CreateTopics sends for "the broker's default.replication.factor" (KIP-464, Kafka 2.4+).</summary>
    public const short BrokerDefaultReplicationFactor = -1;

    public static Task<IReadOnlyList<TopicOutcome>> EnsureTopicsAsync(
        string bootstrapServers,
        IReadOnlyList<TopicSpec> topics,
        ILogger logger,
        CancellationToken cancellationToken) =>
        EnsureTopicsAsync(bootstrapServers, topics, replicationFactor: null, logger, cancellationToken);

    /// <summary>Creates the topics that do not exist; <paramref name="replicationFactor"/> replicas each, null: the cluster's default.</summary>
    public static async Task<IReadOnlyList<TopicOutcome>> EnsureTopicsAsync(
        string bootstrapServers,
        IReadOnlyList<TopicSpec> topics,
        short? replicationFactor,
        ILogger logger,
        CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(bootstrapServers);
        ArgumentNullException.ThrowIfNull(topics);
        ArgumentNullException.ThrowIfNull(logger);
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrapServers }).Build();
        var replicas = replicationFactor is { } wanted
            ? ReplicationFactor(wanted, admin.GetMetadata(TimeSpan.FromSeconds(10)).Brokers.Count)
            : BrokerDefaultReplicationFactor;
        var specifications = topics
            .Select(topic => new TopicSpecification { Name = topic.Name, NumPartitions = topic.Partitions, ReplicationFactor = replicas })
            .ToList();
        IReadOnlyList<CreateTopicReport> reports;
        try
        {
            await admin.CreateTopicsAsync(specifications).WaitAsync(cancellationToken);
            reports = [.. specifications.Select(static s => new CreateTopicReport { Topic = s.Name, Error = new Error(ErrorCode.NoError) })];
        }
        catch (CreateTopicsException ex)
        {
            reports = ex.Results;
        }

        var existing = reports.Where(static r => r.Error.Code == ErrorCode.TopicAlreadyExists).Select(static r => r.Topic).ToList();
        var failed = reports.FirstOrDefault(static r => r.Error.Code is not (ErrorCode.NoError or ErrorCode.TopicAlreadyExists));
        if (failed is not null)
        {
            throw new InvalidOperationException($"Creating topic '{failed.Topic}' failed: {failed.Error.Reason}");
        }

        var partitionCounts = existing.Count == 0
            ? new Dictionary<string, int>()
            : admin.GetMetadata(TimeSpan.FromSeconds(10)).Topics
                .Where(t => existing.Contains(t.Topic))
                .ToDictionary(static t => t.Topic, static t => t.Partitions.Count);

        var outcomes = new List<TopicOutcome>();
        foreach (var topic in topics)
        {
            if (!partitionCounts.TryGetValue(topic.Name, out var actual))
            {
                LogCreated(logger, topic.Name, topic.Partitions);
                outcomes.Add(new TopicOutcome(topic.Name, Created: true, topic.Partitions));
                continue;
            }

            if (actual != topic.Partitions)
            {
                LogPartitionMismatch(logger, topic.Name, actual, topic.Partitions);
            }
            else
            {
                LogExisting(logger, topic.Name, actual);
            }

            outcomes.Add(new TopicOutcome(topic.Name, Created: false, actual));
        }

        return outcomes;
    }

    /// <summary><paramref name="wanted"/> replicas, capped by the <paramref name="brokers"/> the cluster has (at least 1).</summary>
    public static short ReplicationFactor(short wanted, int brokers) => (short)Math.Clamp(Math.Min(wanted, brokers), 1, short.MaxValue);

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Created topic {Topic} with {Partitions} partition(s)")]
    private static partial void LogCreated(ILogger logger, string topic, int partitions);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Topic {Topic} already exists with {Partitions} partition(s)")]
    private static partial void LogExisting(ILogger logger, string topic, int partitions);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning,
        Message = "Topic {Topic} already exists with {Actual} partition(s), not the {Requested} configured: it is kept as it is (delete it, or its volume, to recreate it)")]
    private static partial void LogPartitionMismatch(ILogger logger, string topic, int actual, int requested);
}

/// <summary>What <see cref="TopicProvisioner"/> found or did for one topic.</summary>
public sealed record TopicOutcome(string Topic, bool Created, int Partitions);
