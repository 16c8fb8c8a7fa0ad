using Confluent.Kafka;
using Microsoft.Extensions.Options;
using Pipeline.Producer.Publishing;
using Pipeline.Producer.Telemetry;
using Pipeline.ServiceDefaults.Configuration;
using Pipeline.ServiceDefaults.Kafka;

namespace Pipeline.Producer.Extensions;

/// <summary>Composition of the Producer service.</summary>
public static class ProducerExtensions
{
    /// <summary>Registers options (validated at start), the Kafka producer and the publishing worker.</summary>
    public static IHostApplicationBuilder AddEventProducer(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var configuration = builder.Configuration;
        builder.Services.TryAddTimeProvider();
        builder.Services.AddOptions<ProducerOptions>()
            .BindConfiguration(ProducerOptions.SectionName)
            .BindAlias<ProducerOptions, string>(
                Key(nameof(ProducerOptions.Topic)), ProducerOptions.TopicAlias, (options, topic) => options.Topic = topic)
            .BindAlias<ProducerOptions, double>(
                Key(nameof(ProducerOptions.MessagesPerSecond)), ProducerOptions.MessagesPerSecondAlias, (options, rate) => options.MessagesPerSecond = rate)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<ProducerOptions>, ProducerOptionsValidator>();

        builder.Services.AddSingleton(_ => CreateProducerConfig(configuration));
        builder.Services.AddSingleton<BrokerAvailability>();
        builder.Services.AddSingleton(services =>
        {
            var logger = services.GetRequiredService<ILogger<EventPublisher>>();
            var config = services.GetRequiredService<ProducerConfig>();
            var availability = services.GetRequiredService<BrokerAvailability>();
            Log.ClientConfig(logger, KafkaClientConfiguration.Describe(config));
            return new ProducerBuilder<string, byte[]>(config)
                .SetErrorHandler((_, error) =>
                {
                    Log.ClientError(logger, error.Reason, error.IsFatal);
                    if (availability.ReportError(error))
                    {
                        Log.BrokersDown(logger);
                    }
                })
                .SetLogHandler((_, _) => { }) // client chatter is summarised by the error handler
                .Build();
        });
        builder.Services.AddSingleton<ProducerTelemetry>();
        builder.Services.AddSingleton<EventPublisher>();
        builder.Services.AddHostedService(services => services.GetRequiredService<EventPublisher>());
        builder.Services.AddHealthChecks().AddCheck(
            "kafka",
            new KafkaHealthCheck(CreateProducerConfig(configuration, validate: false), TimeSpan.FromSeconds(2)),
            tags: ["ready"]);
        return builder;
    }

    /// <summary>
    /// Idempotent, acks=all, and an unlimited delivery timeout: while the broker is away the
    /// client keeps retrying in order instead of failing messages it has accepted.
    /// Any <c>Kafka:Producer:*</c> key overrides these (SASL, TLS, tuning).
    /// </summary>
    internal static ProducerConfig CreateProducerConfig(IConfiguration configuration, bool validate = true)
    {
        var bootstrap = validate
            ? KafkaConnection.GetBootstrapServers(configuration)
            : KafkaConnection.FindBootstrapServers(configuration) ?? string.Empty;
        var config = new ProducerConfig
        {
            BootstrapServers = bootstrap,
            ClientId = "pipeline-producer",
            EnableIdempotence = true,
            Acks = Acks.All,
            LingerMs = 5,
            MessageTimeoutMs = 0,
            CompressionType = CompressionType.Lz4,
        };
        return KafkaClientConfiguration.Apply(config, configuration.GetSection(KafkaClientConfiguration.ProducerSection));
    }

    private static string Key(string property) => ConfigurationPath.Combine(ProducerOptions.SectionName, property);

    private static void TryAddTimeProvider(this IServiceCollection services)
    {
        if (!services.Any(d => d.ServiceType == typeof(TimeProvider)))
        {
            services.AddSingleton(TimeProvider.System);
        }
    }
}
