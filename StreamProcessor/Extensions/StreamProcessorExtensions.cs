using Confluent.Kafka;
using Microsoft.Extensions.Options;
using Pipeline.ServiceDefaults.Configuration;
using Pipeline.ServiceDefaults.Kafka;
using Pipeline.StreamProcessor.Checkpointing;
using Pipeline.StreamProcessor.Ingest;
using Pipeline.StreamProcessor.Processing;
using Pipeline.StreamProcessor.Reporting;
using Pipeline.StreamProcessor.Sinks;
using Pipeline.StreamProcessor.Telemetry;
using Pipeline.StreamProcessor.Topics;
using Pipeline.StreamProcessor.Windowing;

namespace Pipeline.StreamProcessor.Extensions;

/// <summary>Composition of the StreamProcessor service.</summary>
public static class StreamProcessorExtensions
{
    /// <summary>Registers validated options, the stages, the Kafka clients, health checks and the worker.</summary>
    public static IHostApplicationBuilder AddStreamProcessor(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        if (!services.Any(d => d.ServiceType == typeof(TimeProvider)))
        {
            services.AddSingleton(TimeProvider.System);
        }

        services.AddOptions<ProcessorOptions>()
            .BindConfiguration(ProcessorOptions.SectionName)
            .BindAlias<ProcessorOptions, string>(
                ConfigurationPath.Combine(ProcessorOptions.SectionName, nameof(ProcessorOptions.Topic)), ProcessorOptions.TopicAlias,
                (options, topic) => options.Topic = topic)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<ProcessorOptions>, ProcessorOptionsValidator>();

        services.AddSinkOptions().ValidateOnStart();
        services.AddSingleton<IValidateOptions<SinkOptions>, SinkOptionsValidator>();

        services.AddOptions<WindowingOptions>().BindConfiguration(WindowingOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<WindowingOptions>, WindowingOptionsValidator>();
        services.AddOptions<IngestOptions>().BindConfiguration(IngestOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();

        services.AddSingleton(sp => sp.GetRequiredService<IOptions<ProcessorOptions>>().Value);
        services.AddSingleton<ProcessorTelemetry>();
        services.AddSingleton<EventDecoder>();
        services.AddSingleton<EventValueDeserializer>();
        // Where the run's output lives, in run-relative names (OutputLayout): the local run folder or a blob container.
        services.AddSingleton(sp => RunStorageFactory.Create(sp.GetRequiredService<IOptions<SinkOptions>>().Value));
        services.AddSingleton<ParquetBatchWriter>();
        services.AddSingleton<CheckpointStore>();
        services.AddSingleton<OrphanCleaner>();
        services.AddSingleton<RunSettingsGuard>();
        services.AddSingleton<LaneFactory>();
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
            var publisher = new ResultPublisher(sp.GetRequiredService<Confluent.Kafka.IProducer<byte[]?, byte[]>>(), options);
            return options.PublishesWindows && options.PublishesDeadLetters ? publisher : new SwitchedResultPublisher(publisher, options);
        });
        // Checks the topics (and creates missing outputs) once the cluster answers, with the consumer's settings.
        services.AddSingleton(sp => new TopicGuard(
            sp.GetRequiredService<ConsumerConfig>(), sp.GetRequiredService<ProcessorOptions>(), sp.GetRequiredService<ILogger<TopicGuard>>()));
        services.AddSingleton<BatchCommitter>();
        services.AddSingleton<LiveView>();
        services.AddSingleton<ProgressTracker>();
        services.AddSingleton<SinkHealth>();
        services.AddSingleton<PartitionProber>();
        services.AddSingleton<PartitionHealth>();
        services.AddSingleton<LogRangeGuard>();
        services.AddSingleton<ProcessingEngine>();
        services.AddSingleton<StreamProcessorWorker>();
        services.AddHostedService(sp => sp.GetRequiredService<StreamProcessorWorker>());

        services.AddHealthChecks()
            .AddCheck<SinkHealth>("sink", tags: ["ready"])
            .AddCheck<PartitionHealth>("partitions", tags: ["ready"]);
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
