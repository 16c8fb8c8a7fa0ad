using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Microsoft.Extensions.Logging;

namespace Pipeline.AppHost.Topology;

/// <summary>
/// Creates the pipeline's topics with their partition counts before the services start (Aspire has
/// no topic API; the AppHost calls this from the Kafka resource's ready event, which <c>WaitFor</c>
/// awaits). Idempotent: an existing topic is kept, and a partition count that differs is reported,
/// not silently ignored.
/// </summary>
public static partial class TopicProvisioner
{
    public static async Task<IReadOnlyList<TopicOutcome>> EnsureTopicsAsync(
        string bootstrapServers,
        IReadOnlyList<TopicSpec> topics,
        ILogger logger,
        CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(bootstrapServers);
        ArgumentNullException.ThrowIfNull(topics);
        ArgumentNullException.ThrowIfNull(logger);
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrapServers }).Build();
        var specifications = topics
            .Select(static topic => new TopicSpecification { Name = topic.Name, NumPartitions = topic.Partitions, ReplicationFactor = 1 })
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
