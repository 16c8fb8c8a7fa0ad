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

        builder.AddKafkaProducer<string, byte[]>(
            KafkaConnection.ConnectionName,
            settings =>
            {
                settings.Config = CreateProducerDefaults();
                settings.OutageConsequence = "messages wait in the client and are retried";
                settings.RecoveryDescription = "deliveries resumed";
            },
            (services, producer) =>
            {
                var watch = services.GetRequiredService<PartitionOutageWatch>();
                producer.SetStatisticsHandler((_, statistics) => watch.Observe(statistics));
            });
        builder.Services.AddSingleton<PartitionOutageWatch>();
        builder.Services.AddSingleton<ProducerTelemetry>();
        builder.Services.AddSingleton<EventPublisher>();
        builder.Services.AddHostedService(services => services.GetRequiredService<EventPublisher>());
        return builder;
    }

    /// <summary>
    /// Idempotent, acks=all, and an unlimited delivery timeout: while the broker is away the
    /// client keeps retrying in order instead of failing messages it has accepted. Statistics every
    /// 5 s feed <see cref="PartitionOutageWatch"/>.
    /// Any <c>Kafka:Client:*</c> key, then any <c>Kafka:Producer:*</c> key, overrides these (SASL, TLS, tuning).
    /// </summary>
    internal static ProducerConfig CreateProducerConfig(IConfiguration configuration) =>
        KafkaClientConfiguration.Create(
            configuration, KafkaConnection.ConnectionName, KafkaClientConfiguration.ProducerSection, CreateProducerDefaults());

    private static ProducerConfig CreateProducerDefaults()
    {
        var config = KafkaProducing.IdempotentConfig();
        config.ClientId = "pipeline-producer";
        config.MessageTimeoutMs = 0;
        config.CompressionType = CompressionType.Lz4;
        // A partition whose leader is unreachable while others are fine raises no client error; the statistics show it.
        config.StatisticsIntervalMs = 5000;
        return config;
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
