using Confluent.Kafka;

namespace Pipeline.ServiceDefaults.Kafka;

/// <summary>
/// Settings of one Kafka client registered with <c>AddKafkaProducer</c>/<c>AddKafkaConsumer</c>, named as
/// Aspire.Confluent.Kafka names them (<c>ConnectionString</c>, <c>Config</c>, <c>DisableHealthChecks</c>).
/// <see cref="Config"/> holds the code's defaults; the <c>Kafka:{Producer|Consumer}</c> section overrides them
/// (unlike Aspire, where code runs last), and the client, its health check and readiness all use the result.
/// </summary>
public abstract class KafkaClientSettings<TConfig>
    where TConfig : ClientConfig, new()
{
    /// <summary>Bootstrap servers; from <c>ConnectionStrings:{connectionName}</c> when not set.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>The client's defaults; every key of the client's configuration section overrides them.</summary>
    public TConfig Config { get; set; } = new();

    /// <summary>Defaults that need services (validated options), applied before the configuration section.</summary>
    public Action<IServiceProvider, TConfig>? ConfigureFromServices { get; set; }

    /// <summary>No <c>kafka</c> health check for this client (another client of the service already checks the cluster).</summary>
    public bool DisableHealthChecks { get; set; }

    public TimeSpan HealthCheckTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How the client is named in its log lines (<c>Kafka {ClientName} config: …</c>).</summary>
    public string ClientName { get; set; } = "client";

    /// <summary>What an outage means for this client; null: an outage is logged as client errors only.</summary>
    public string? OutageConsequence { get; set; }

    /// <summary>What the first success after an outage means (<c>Reconnected to Kafka: …</c>).</summary>
    public string RecoveryDescription { get; set; } = "connected again";

    internal abstract string SectionName { get; }
}

/// <summary>Settings of the client <c>AddKafkaProducer</c> registers.</summary>
public sealed class KafkaProducerSettings : KafkaClientSettings<ProducerConfig>
{
    public KafkaProducerSettings() => ClientName = "producer";

    internal override string SectionName => KafkaClientConfiguration.ProducerSection;
}

/// <summary>Settings of the clients <c>AddKafkaConsumer</c> registers.</summary>
public sealed class KafkaConsumerSettings : KafkaClientSettings<ConsumerConfig>
{
    public KafkaConsumerSettings() => ClientName = "consumer";

    internal override string SectionName => KafkaClientConfiguration.ConsumerSection;
}
