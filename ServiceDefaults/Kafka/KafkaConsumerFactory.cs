using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace Pipeline.ServiceDefaults.Kafka;

/// <summary>
/// Builds consumers from the registered configuration with the component's error and log handlers (librdkafka's lines
/// to <see cref="KafkaClientLog"/>'s category); the owner adds its
/// deserializers and rebalance handlers, and disposes (after <c>Close()</c>) what it built.
/// </summary>
public sealed class KafkaConsumerFactory<TKey, TValue>(
    ConsumerConfig config,
    KafkaClientMonitor monitor,
    Action<ConsumerBuilder<TKey, TValue>>? configureBuilder,
    ILoggerFactory loggerFactory,
    string clientName)
{
    /// <summary>The configuration every consumer of this factory (and the health check) uses.</summary>
    public ConsumerConfig Config => config;

    /// <summary>The consumers' error handler; report consumed messages to it with <see cref="KafkaClientMonitor.ReportSuccess"/>.</summary>
    public KafkaClientMonitor Monitor => monitor;

    public IConsumer<TKey, TValue> Create(Action<ConsumerBuilder<TKey, TValue>>? configure = null)
    {
        monitor.ReportConfig(config);
        var builder = new ConsumerBuilder<TKey, TValue>(config)
            .SetErrorHandler((_, error) => monitor.ReportError(error))
            .SetLogHandler(KafkaClientLog.Handler(loggerFactory, config, clientName));
        configureBuilder?.Invoke(builder);
        configure?.Invoke(builder);
        return builder.Build();
    }
}
