using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Pipeline.ServiceDefaults.Kafka;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// The one Kafka client component of the pipeline: configuration pass-through (secrets masked in logs), the
/// error handler (<see cref="KafkaClientMonitor"/>), and a <c>kafka</c> health check built from the same
/// configuration as the client it checks.
/// </summary>
/// <remarks>
/// Mirrors the shape and names of Aspire.Confluent.Kafka (<c>AddKafkaProducer&lt;TKey,TValue&gt;(connectionName, …)</c>,
/// <c>AddKafkaConsumer&lt;TKey,TValue&gt;(…)</c>, <c>KafkaProducerSettings</c>), which is not served here; swapping it in
/// later stays a small change. Differences: client settings come from <c>Kafka:Client</c>, then
/// <c>Kafka:{Producer|Consumer}</c>, and override the code's defaults; librdkafka's log lines go to the service's
/// logger (<see cref="KafkaClientLog"/>); the consumer is registered as a <see cref="KafkaConsumerFactory{TKey,TValue}"/>, since a
/// consumer's rebalance handlers belong to the worker that owns it.
/// </remarks>
public static class KafkaClientExtensions
{
    /// <summary>The health check's name, tagged <c>ready</c>.</summary>
    public const string HealthCheckName = "kafka";

    /// <summary>
    /// Registers <see cref="IProducer{TKey,TValue}"/> (singleton), its <see cref="ProducerConfig"/>, its
    /// <see cref="KafkaClientMonitor"/> (keyed <see cref="KafkaClientMonitor.Producer"/>) and, unless disabled, the health check.
    /// </summary>
    public static IHostApplicationBuilder AddKafkaProducer<TKey, TValue>(
        this IHostApplicationBuilder builder,
        string connectionName,
        Action<KafkaProducerSettings>? configureSettings = null,
        Action<IServiceProvider, ProducerBuilder<TKey, TValue>>? configureBuilder = null)
    {
        var settings = AddClient<KafkaProducerSettings, ProducerConfig>(builder, connectionName, KafkaClientMonitor.Producer, configureSettings);
        builder.Services.AddSingleton(services =>
        {
            var config = services.GetRequiredService<ProducerConfig>();
            var monitor = services.GetRequiredKeyedService<KafkaClientMonitor>(KafkaClientMonitor.Producer);
            monitor.ReportConfig(config);
            var producer = new ProducerBuilder<TKey, TValue>(config)
                .SetErrorHandler((_, error) => monitor.ReportError(error))
                .SetLogHandler(KafkaClientLog.Handler(services.GetRequiredService<ILoggerFactory>(), config, settings.ClientName));
            configureBuilder?.Invoke(services, producer);
            return producer.Build();
        });
        return builder;
    }

    /// <summary>
    /// Registers a <see cref="KafkaConsumerFactory{TKey,TValue}"/> (singleton), its <see cref="ConsumerConfig"/>, its
    /// <see cref="KafkaClientMonitor"/> (keyed <see cref="KafkaClientMonitor.Consumer"/>) and, unless disabled, the health check.
    /// </summary>
    public static IHostApplicationBuilder AddKafkaConsumer<TKey, TValue>(
        this IHostApplicationBuilder builder,
        string connectionName,
        Action<KafkaConsumerSettings>? configureSettings = null,
        Action<IServiceProvider, ConsumerBuilder<TKey, TValue>>? configureBuilder = null)
    {
        var settings = AddClient<KafkaConsumerSettings, ConsumerConfig>(builder, connectionName, KafkaClientMonitor.Consumer, configureSettings);
        builder.Services.AddSingleton(services => new KafkaConsumerFactory<TKey, TValue>(
            services.GetRequiredService<ConsumerConfig>(),
            services.GetRequiredKeyedService<KafkaClientMonitor>(KafkaClientMonitor.Consumer),
            configureBuilder is null ? null : consumer => configureBuilder(services, consumer),
            services.GetRequiredService<ILoggerFactory>(),
            settings.ClientName));
        return builder;
    }

    private static TSettings AddClient<TSettings, TConfig>(
        IHostApplicationBuilder builder, string connectionName, string key, Action<TSettings>? configureSettings)
        where TSettings : KafkaClientSettings<TConfig>, new()
        where TConfig : ClientConfig, new()
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(connectionName);
        var settings = new TSettings();
        configureSettings?.Invoke(settings);
        var configuration = builder.Configuration;
        var services = builder.Services;
        services.AddSingleton(settings);
        // One configuration per client, built once: the client, its readiness wait and its health check share it.
        services.AddSingleton(provider =>
        {
            var config = settings.Config;
            if (settings.ConnectionString is { } connectionString && string.IsNullOrEmpty(config.BootstrapServers))
            {
                config.BootstrapServers = connectionString;
            }

            settings.ConfigureFromServices?.Invoke(provider, config);
            return KafkaClientConfiguration.Create(configuration, connectionName, settings.SectionName, config);
        });
        services.AddKeyedSingleton(key, (provider, _) => new KafkaClientMonitor(
            provider.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(KafkaClientMonitor).FullName + "." + settings.ClientName),
            settings.ClientName,
            settings.OutageConsequence,
            settings.RecoveryDescription));
        if (!settings.DisableHealthChecks)
        {
            services.AddKeyedSingleton(key, (provider, _) => new KafkaHealthCheck(
                provider.GetRequiredService<TConfig>(),
                settings.HealthCheckTimeout,
                KafkaClientLog.Handler(provider.GetRequiredService<ILoggerFactory>(), provider.GetRequiredService<TConfig>(), settings.ClientName, "health")));
            // The registration's factory runs on every probe: it returns the one check (and its admin client).
            services.AddHealthChecks().Add(new HealthCheckRegistration(
                HealthCheckName,
                provider => provider.GetRequiredKeyedService<KafkaHealthCheck>(key),
                failureStatus: null,
                tags: ["ready"]));
        }

        return settings;
    }
}
