using Confluent.Kafka;
using Microsoft.Extensions.Configuration;

namespace Pipeline.ServiceDefaults.Kafka;

/// <summary>
/// Passes configuration through to Confluent's client config, so SASL/TLS and every other
/// librdkafka setting works without code: keys with a dot are librdkafka property names
/// (<c>Kafka:Producer:sasl.mechanism</c>), others bind to the typed properties
/// (<c>Kafka:Producer:SaslMechanism</c>).
/// </summary>
public static class KafkaClientConfiguration
{
    public const string ProducerSection = "Kafka:Producer";
    public const string ConsumerSection = "Kafka:Consumer";

    /// <summary>Applies every key of <paramref name="section"/> to <paramref name="config"/>.</summary>
    public static T Apply<T>(T config, IConfigurationSection section)
        where T : ClientConfig
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(section);
        foreach (var child in section.GetChildren())
        {
            if (child.Value is null)
            {
                continue;
            }

            if (child.Key.Contains('.', StringComparison.Ordinal))
            {
                config.Set(child.Key, child.Value);
            }
        }

        section.Bind(config);
        return config;
    }

    /// <summary>The config as <c>key=value</c> pairs with every secret masked, safe to log.</summary>
    public static string Describe(ClientConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var parts = new List<string>();
        foreach (var (key, value) in config)
        {
            parts.Add($"{key}={(IsSecret(key) ? "***" : value)}");
        }

        parts.Sort(StringComparer.Ordinal);
        return string.Join(", ", parts);
    }

    /// <summary>True for librdkafka properties that carry credentials or key material.</summary>
    public static bool IsSecret(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return key.Contains("password", StringComparison.OrdinalIgnoreCase)
            || key.Contains("secret", StringComparison.OrdinalIgnoreCase)
            || key.Contains("jaas", StringComparison.OrdinalIgnoreCase)
            || key.Contains("token", StringComparison.OrdinalIgnoreCase)
            || key.EndsWith(".key.pem", StringComparison.OrdinalIgnoreCase)
            || key.Equals("ssl.key.pem", StringComparison.OrdinalIgnoreCase)
            || key.Contains("credentials", StringComparison.OrdinalIgnoreCase);
    }
}
