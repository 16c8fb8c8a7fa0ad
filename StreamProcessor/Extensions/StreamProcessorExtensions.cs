using Microsoft.Extensions.Options;
using Pipeline.ServiceDefaults.Configuration;
using Pipeline.StreamProcessor.Checkpointing;
using Pipeline.StreamProcessor.Ingest;
using Pipeline.StreamProcessor.Kafka;
using Pipeline.StreamProcessor.Processing;
using Pipeline.StreamProcessor.Reporting;
using Pipeline.StreamProcessor.Sinks;
using Pipeline.StreamProcessor.Telemetry;
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
        // Where the run's output lives, in run-relative names (OutputLayout): the local run folder or a blob container.
        services.AddSingleton(sp => RunStorageFactory.Create(sp.GetRequiredService<IOptions<SinkOptions>>().Value));
        services.AddSingleton<ParquetBatchWriter>();
        services.AddSingleton<ParquetCompactor>();
        services.AddSingleton<CheckpointStore>();
        services.AddSingleton<OrphanCleaner>();
        services.AddSingleton<RunSettingsGuard>();
        services.AddSingleton<LaneFactory>();
        services.AddSingleton<ProcessingTelemetry>();
        services.AddSingleton<BatchCommitter>();
        services.AddSingleton<CompactionScheduler>();
        services.AddSingleton<LiveView>();
        services.AddSingleton<ProgressTracker>();
        services.AddSingleton<CommitRetry>();
        services.AddSingleton<PartitionProber>();
        services.AddSingleton<PartitionHealth>();
        services.AddSingleton<LogRangeGuard>();
        services.AddSingleton<LaneAssignments>();
        services.AddSingleton<MessageRouter>();
        services.AddSingleton<ProcessingEngine>();
        builder.AddProcessorKafka();

        services.AddHealthChecks()
            .AddCheck<CommitRetry>("sink", tags: ["ready"])
            .AddCheck<PartitionHealth>("partitions", tags: ["ready"]);
        return builder;
    }
}
