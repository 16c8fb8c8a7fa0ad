using Confluent.Kafka;
using Pipeline.ServiceDefaults.Kafka;
using Pipeline.StreamProcessor.Ingest;
using Pipeline.StreamProcessor.Processing;

namespace Pipeline.StreamProcessor.Kafka;

/// <summary>
/// The processor's Kafka side, registered in one place: the input consumer and its deserializers, the results
/// producer behind <see cref="IResultPublisher"/>, the topic check, and the worker that runs the engine on the consumer.
/// The engine and everything it drives (Processing/, Windowing/, Checkpointing/, Sinks/) know none of it.
/// </summary>
internal static class KafkaRegistrations
{
    public static IHostApplicationBuilder AddProcessorKafka(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddSingleton<EventValueDeserializer>();
        builder.AddKafkaConsumer<string?, DecodedValue>(KafkaConnection.ConnectionName, settings =>
        {
            settings.Config = CreateConsumerDefaults();
            settings.ConfigureFromServices = (sp, config) => config.GroupId = sp.GetRequiredService<ProcessorOptions>().GroupId;
            settings.ClientName = "client";
            settings.OutageConsequence = "consumption resumes from the checkpoints when it returns";
            settings.RecoveryDescription = "consuming again";
        }, (sp, consumer) => consumer
            .SetKeyDeserializer(new KeyDeserializer())
            .SetValueDeserializer(sp.GetRequiredService<EventValueDeserializer>()));
        // The result/dead-letter producer: its errors are logged; the consumer's health check covers the cluster.
        builder.AddKafkaProducer<byte[]?, byte[]>(KafkaConnection.ConnectionName, settings =>
        {
            settings.Config = KafkaProducing.IdempotentConfig();
            settings.Config.ClientId = "pipeline-stream-processor-results";
            settings.ClientName = "results producer";
            settings.DisableHealthChecks = true;
        });
        services.AddSingleton<IResultPublisher>(sp =>
        {
            var options = sp.GetRequiredService<ProcessorOptions>();
            var publisher = new ResultPublisher(sp.GetRequiredService<IProducer<byte[]?, byte[]>>(), options);
            return options.PublishesWindows && options.PublishesDeadLetters ? publisher : new SwitchedResultPublisher(publisher, options);
        });
        // Checks the topics (and creates missing outputs) once the cluster answers, with the consumer's settings.
        services.AddSingleton<TopicGuard>();
        services.AddSingleton<StreamProcessorWorker>();
        services.AddHostedService(sp => sp.GetRequiredService<StreamProcessorWorker>());
        return builder;
    }

    /// <summary>
    /// The input consumer's defaults (any <c>Kafka:Consumer:*</c> key overrides them): manual offsets, no automatic
    /// reset, cooperative rebalancing, large fetches. The group id comes from <see cref="ProcessorOptions"/>.
    /// </summary>
    private static ConsumerConfig CreateConsumerDefaults() => new()
    {
        ClientId = "pipeline-stream-processor",
        // Never reset a position silently: the lanes start at explicit offsets (their checkpoints, or the earliest), so
        // only an out-of-range position (retention deleted it, the topic was recreated) reaches this setting, and the
        // engine decides what that means (LogRangeGuard: count and log the loss, or stop).
        AutoOffsetReset = AutoOffsetReset.Error,
        // Offsets are ours: the checkpoint decides where a partition resumes, and the commit to
        // Kafka follows it (for lag and tooling), never the other way round. The engine stores an offset only
        // once its checkpoint is saved; librdkafka commits what is stored in the background (every
        // auto.commit.interval.ms, and on revoke and close), so a slow commit never holds the engine.
        EnableAutoCommit = true,
        EnableAutoOffsetStore = false,
        PartitionAssignmentStrategy = PartitionAssignmentStrategy.CooperativeSticky,
        FetchMaxBytes = 64 * 1024 * 1024,
        MaxPartitionFetchBytes = 8 * 1024 * 1024,
        QueuedMaxMessagesKbytes = 32 * 1024,
        // Keep a large backlog queued ahead of the loop, so the next fetch overlaps with processing
        // (the default 100,000 left the consumer waiting on fetches at a few hundred thousand events/s).
        QueuedMinMessages = 200_000,
        // The .NET client would copy the topic name of every message into a new string: the processor
        // reads one topic and knows its name, and only needs timestamps and headers (trace context).
        ConsumeResultFields = "timestamp,headers",
    };
}
