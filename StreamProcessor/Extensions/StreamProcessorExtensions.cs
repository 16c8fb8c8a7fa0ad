using Microsoft.Extensions.Options;
using Pipeline.ServiceDefaults.Configuration;
using Pipeline.ServiceDefaults.Kafka;
using Pipeline.StreamProcessor.Checkpointing;
using Pipeline.StreamProcessor.Ingest;
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
        var configuration = builder.Configuration;
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

        services.AddOptions<SinkOptions>()
            .BindConfiguration(SinkOptions.SectionName)
            .BindAlias<SinkOptions, string>(
                ConfigurationPath.Combine(SinkOptions.SectionName, nameof(SinkOptions.OutputPath)), SinkOptions.OutputPathAlias,
                (options, path) => options.OutputPath = path)
            .BindAlias<SinkOptions, string>(
                ConfigurationPath.Combine(SinkOptions.SectionName, nameof(SinkOptions.RunId)), SinkOptions.RunIdAlias,
                (options, runId) => options.RunId = runId)
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<SinkOptions>, SinkOptionsValidator>();

        services.AddOptions<WindowingOptions>().BindConfiguration(WindowingOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<WindowingOptions>, WindowingOptionsValidator>();
        services.AddOptions<IngestOptions>().BindConfiguration(IngestOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();

        services.AddSingleton(sp => sp.GetRequiredService<IOptions<ProcessorOptions>>().Value);
        services.AddSingleton<ProcessorTelemetry>();
        services.AddSingleton<EventDecoder>();
        services.AddSingleton<EventValueDeserializer>();
        // The one on-disk contract of the run (run_<RunId>/...), shared by the sinks, checkpoints and tools.
        services.AddSingleton(sp => new OutputLayout(sp.GetRequiredService<IOptions<SinkOptions>>().Value));
        services.AddSingleton<ParquetBatchWriter>();
        services.AddSingleton<CheckpointStore>();
        services.AddSingleton<OrphanCleaner>();
        services.AddSingleton<RunSettingsGuard>();
        services.AddSingleton<LaneFactory>();
        services.AddSingleton<ConsumerFactory>();
        services.AddSingleton<IResultPublisher>(sp => new ResultPublisher(
            sp.GetRequiredService<ConsumerFactory>().CreateResultProducer(),
            sp.GetRequiredService<ProcessorOptions>()));
        services.AddSingleton<BatchCommitter>();
        services.AddSingleton<LiveView>();
        services.AddSingleton<SinkHealth>();
        services.AddSingleton<StreamProcessorWorker>();
        services.AddHostedService(sp => sp.GetRequiredService<StreamProcessorWorker>());

        services.AddHealthChecks()
            .AddCheck<SinkHealth>("sink", tags: ["ready"])
            .AddCheck("kafka", new KafkaHealthCheck(
                new Confluent.Kafka.ClientConfig
                {
                    BootstrapServers = KafkaConnection.FindBootstrapServers(configuration) ?? string.Empty,
                },
                TimeSpan.FromSeconds(2)), tags: ["ready"]);
        return builder;
    }
}
