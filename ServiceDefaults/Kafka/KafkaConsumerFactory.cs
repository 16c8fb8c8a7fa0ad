using Confluent.Kafka;

namespace Pipeline.ServiceDefaults.Kafka;

/// <summary>
/// Builds consumers from the registered configuration with the component's error handler; the owner adds its
/// deserializers and rebalance handlers, and disposes (after <c>Close()</c>) what it built.
/// </summary>
public sealed class KafkaConsumerFactory<TKey, TValue>(
    ConsumerConfig config,
    KafkaClientMonitor monitor,
    Action<ConsumerBuilder<TKey, TValue>>? configureBuilder)
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
            .SetLogHandler(static (_, _) => { }); // connection chatter is summarised by the error handler
        configureBuilder?.Invoke(builder);
        configure?.Invoke(builder);
        return builder.Build();
    }
}
