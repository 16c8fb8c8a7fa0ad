using Confluent.Kafka;
using Microsoft.Extensions.Options;
using Pipeline.ServiceDefaults.Kafka;
using Pipeline.StreamProcessor.Ingest;

namespace Pipeline.StreamProcessor.Processing;

/// <summary>Builds the input consumer: manual offsets, earliest reset, cooperative rebalancing.</summary>
internal sealed class ConsumerFactory(
    IConfiguration configuration,
    IOptions<ProcessorOptions> options,
    EventValueDeserializer valueDeserializer,
    ILogger<ConsumerFactory> logger)
{
    /// <summary>Reachability of the brokers as the input consumer sees it.</summary>
    public BrokerAvailability InputAvailability { get; } = new();

    public ConsumerConfig CreateConfig()
    {
        var config = new ConsumerConfig
        {
            BootstrapServers = KafkaConnection.GetBootstrapServers(configuration),
            GroupId = options.Value.GroupId,
            ClientId = "pipeline-stream-processor",
            AutoOffsetReset = AutoOffsetReset.Earliest,
            // Offsets are ours: the checkpoint decides where a partition resumes, and the commit to
            // Kafka follows it (for lag and tooling), never the other way round.
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
            PartitionAssignmentStrategy = PartitionAssignmentStrategy.CooperativeSticky,
            FetchMaxBytes = 64 * 1024 * 1024,
            MaxPartitionFetchBytes = 8 * 1024 * 1024,
            QueuedMaxMessagesKbytes = 256 * 1024,
            // Keep a large backlog queued ahead of the loop, so the next fetch overlaps with processing
            // (the default 100,000 left the consumer waiting on fetches at a few hundred thousand events/s).
            QueuedMinMessages = 500_000,
            // The .NET client would copy the topic name of every message into a new string: the processor
            // reads one topic and knows its name, and only needs timestamps and headers (trace context).
            ConsumeResultFields = "timestamp,headers",
        };
        return KafkaClientConfiguration.Apply(config, configuration.GetSection(KafkaClientConfiguration.ConsumerSection));
    }

    public IConsumer<string?, DecodedValue> Create(
        ConsumerConfig config,
        Func<IConsumer<string?, DecodedValue>, List<TopicPartition>, IEnumerable<TopicPartitionOffset>> onAssigned,
        Action<IConsumer<string?, DecodedValue>, List<TopicPartitionOffset>> onRevoked,
        Action<IConsumer<string?, DecodedValue>, List<TopicPartitionOffset>> onLost)
    {
        Log.ClientConfig(logger, KafkaClientConfiguration.Describe(config));
        return new ConsumerBuilder<string?, DecodedValue>(config)
            .SetKeyDeserializer(new KeyDeserializer())
            .SetValueDeserializer(valueDeserializer)
            .SetPartitionsAssignedHandler(onAssigned)
            .SetPartitionsRevokedHandler(onRevoked)
            .SetPartitionsLostHandler(onLost)
            .SetErrorHandler((_, error) =>
            {
                Log.ClientError(logger, error.Reason, error.IsFatal);
                if (InputAvailability.ReportError(error))
                {
                    Log.BrokersDown(logger);
                }
            })
            .SetLogHandler((_, _) => { }) // connection chatter is summarised by the error handler
            .Build();
    }

    public IProducer<byte[]?, byte[]> CreateResultProducer()
    {
        var config = new ProducerConfig
        {
            BootstrapServers = KafkaConnection.GetBootstrapServers(configuration),
            ClientId = "pipeline-stream-processor-results",
            EnableIdempotence = true,
            Acks = Acks.All,
            LingerMs = 5,
        };
        KafkaClientConfiguration.Apply(config, configuration.GetSection(KafkaClientConfiguration.ProducerSection));
        return new ProducerBuilder<byte[]?, byte[]>(config)
            .SetErrorHandler((_, error) => Log.ClientError(logger, error.Reason, error.IsFatal))
            .SetLogHandler((_, _) => { })
            .Build();
    }
}
