using System.Globalization;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Pipeline.ServiceDefaults.Kafka;

namespace Pipeline.StreamProcessor.Kafka;

/// <summary>
/// The topics the processor reads and writes, checked once the cluster answers and before anything is consumed: the input
/// topic must exist; a missing output topic (<c>&lt;topic&gt;.windows</c>, <c>&lt;topic&gt;.dlq</c>) is created when
/// <see cref="ProcessorOptions.CreateTopics"/> allows it. Otherwise the start fails naming the topic and the command
/// that creates it: on a cluster that does not create topics on first use, a missing output topic failed the first
/// commit instead, and stopped the processor again on every restart. It connects with the input consumer's settings
/// (security, addresses), so it reaches the cluster the way the consumer does.
/// </summary>
internal sealed class TopicGuard(ConsumerConfig clientConfig, ProcessorOptions options, ILogger<TopicGuard> logger)
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);

    /// <exception cref="TopicMissingException">A topic is missing and may not be created, or its creation failed.</exception>
    public async Task EnsureAsync(CancellationToken cancellationToken)
    {
        if (!options.PublishesWindows)
        {
            Log.OutputOff(logger, "windows topic", $"{ProcessorOptions.SectionName}:{nameof(ProcessorOptions.WindowsTopic)}",
                "closed windows go to the Parquet aggregates only");
        }

        if (!options.PublishesDeadLetters)
        {
            Log.OutputOff(logger, "dead-letter topic", $"{ProcessorOptions.SectionName}:{nameof(ProcessorOptions.DeadLetterTopic)}",
                "rejected messages are only counted (pipeline.events.rejected) and logged at Debug");
        }

        using var admin = new AdminClientBuilder(KafkaClientConfiguration.ForAdmin(clientConfig))
            .SetLogHandler(KafkaClientLog.Handler(logger, clientConfig, probe: true))
            .Build();
        // Every topic, not the three by name: a request naming a topic may create it where the cluster creates topics on use.
        var metadata = admin.GetMetadata(s_timeout);
        var existing = metadata.Topics
            .Where(static t => t.Error.Code == ErrorCode.NoError)
            .ToDictionary(static t => t.Topic, static t => t.Partitions.Count, StringComparer.Ordinal);
        if (!existing.TryGetValue(options.Topic, out var inputPartitions))
        {
            throw new TopicMissingException(string.Create(CultureInfo.InvariantCulture,
                $"The input topic '{options.Topic}' ({ProcessorOptions.SectionName}:{nameof(ProcessorOptions.Topic)}) does not exist on the cluster at " +
                $"{clientConfig.BootstrapServers}. Create it ({Command(options.Topic, null)}), or set " +
                $"{ProcessorOptions.SectionName}:{nameof(ProcessorOptions.Topic)} to an existing topic."));
        }

        var missing = new List<(string Topic, int Partitions, string Setting)>();
        if (options.PublishesWindows && !existing.ContainsKey(options.ResolvedWindowsTopic))
        {
            missing.Add((options.ResolvedWindowsTopic, inputPartitions, nameof(ProcessorOptions.WindowsTopic)));
        }

        if (options.PublishesDeadLetters && !existing.ContainsKey(options.ResolvedDeadLetterTopic))
        {
            missing.Add((options.ResolvedDeadLetterTopic, 1, nameof(ProcessorOptions.DeadLetterTopic)));
        }

        if (missing.Count == 0)
        {
            return;
        }

        if (!options.CreateTopics)
        {
            var (topic, partitions, setting) = missing[0];
            throw new TopicMissingException(
                $"The output topic '{topic}' ({ProcessorOptions.SectionName}:{setting}) does not exist on the cluster at {clientConfig.BootstrapServers}, " +
                $"and {ProcessorOptions.SectionName}:{nameof(ProcessorOptions.CreateTopics)} is false. Create it ({Command(topic, partitions)}), " +
                $"set {ProcessorOptions.SectionName}:{nameof(ProcessorOptions.CreateTopics)}=true, or turn that output off " +
                $"({ProcessorOptions.SectionName}:{setting}={ProcessorOptions.Off}).");
        }

        var replicas = options.TopicReplicationFactor is { } wanted
            ? (short)Math.Clamp(Math.Min(wanted, metadata.Brokers.Count), 1, short.MaxValue)
            : BrokerDefaultReplicationFactor;
        await CreateAsync(admin, missing, replicas, cancellationToken);
    }

    /// <summary>What CreateTopics sends for "the broker's default.replication.factor" (KIP-464, Kafka 2.4+).</summary>
    internal const short BrokerDefaultReplicationFactor = -1;

    private async Task CreateAsync(IAdminClient admin, List<(string Topic, int Partitions, string Setting)> missing, short replicas, CancellationToken cancellationToken)
    {
        IReadOnlyList<CreateTopicReport> reports;
        try
        {
            await admin.CreateTopicsAsync(
                [.. missing.Select(m => new TopicSpecification { Name = m.Topic, NumPartitions = m.Partitions, ReplicationFactor = replicas })],
                new CreateTopicsOptions { RequestTimeout = s_timeout, OperationTimeout = s_timeout }).WaitAsync(cancellationToken);
            reports = [.. missing.Select(static m => new CreateTopicReport { Topic = m.Topic, Error = new Error(ErrorCode.NoError) })];
        }
        catch (CreateTopicsException ex)
        {
            reports = ex.Results;
        }

        foreach (var (topic, partitions, setting) in missing)
        {
            var report = reports.FirstOrDefault(r => r.Topic == topic);
            switch (report?.Error.Code)
            {
                case ErrorCode.NoError:
                    Log.TopicCreated(logger, topic, partitions, replicas);
                    break;
                case ErrorCode.TopicAlreadyExists:
                    break; // another replica of the group created it first
                default:
                    throw new TopicMissingException(
                        $"The output topic '{topic}' ({ProcessorOptions.SectionName}:{setting}) does not exist on the cluster at {clientConfig.BootstrapServers} " +
                        $"and creating it failed ({report?.Error.Reason ?? "no answer"}). Create it ({Command(topic, partitions)}), or turn that output off " +
                        $"({ProcessorOptions.SectionName}:{setting}={ProcessorOptions.Off}).");
            }
        }
    }

    /// <summary>The kafka-topics command that creates <paramref name="topic"/> (partitions left to the reader when null).</summary>
    private string Command(string topic, int? partitions)
    {
        var count = partitions is { } known ? known.ToString(CultureInfo.InvariantCulture) : "<partitions>";
        var replicas = options.TopicReplicationFactor is { } factor ? " --replication-factor " + factor.ToString(CultureInfo.InvariantCulture) : string.Empty;
        return $"kafka-topics --bootstrap-server {clientConfig.BootstrapServers} --create --topic {topic} --partitions {count}{replicas}";
    }
}

/// <summary>A topic the processor needs is missing (the message names it and how to create it); the start fails.</summary>
internal sealed class TopicMissingException(string message) : Exception(message);
