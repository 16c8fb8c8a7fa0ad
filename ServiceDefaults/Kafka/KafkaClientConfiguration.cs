using System.Globalization;
using System.Reflection;
using Confluent.Kafka;
using Microsoft.Extensions.Configuration;

namespace Pipeline.ServiceDefaults.Kafka;

/// <summary>
/// Passes configuration through to Confluent's client config, so SASL/TLS and every other
/// librdkafka setting works without code. <see cref="ClientSection"/> (<c>Kafka:Client</c>) is applied to every
/// producer, consumer and admin client of a service; the client's own section (<see cref="ProducerSection"/>,
/// <see cref="ConsumerSection"/>) is applied after it and wins. In each section:
/// <list type="bullet">
/// <item>a key with a dot is a librdkafka property (<c>Kafka:Client:sasl.mechanism</c>);</item>
/// <item>nested keys are joined with dots (<c>Kafka:Client:sasl:mechanism</c> is <c>sasl.mechanism</c>), which is
/// how an environment variable names one: <c>Kafka__Client__sasl__mechanism</c>;</item>
/// <item>any other key binds to the typed property (<c>Kafka:Client:SaslMechanism</c>);</item>
/// <item>an empty value is unset (skipped).</item>
/// </list>
/// </summary>
public static class KafkaClientConfiguration
{
    /// <summary>Settings every Kafka client of a service shares (bootstrap, SASL, TLS), below the per-client sections.</summary>
    public const string ClientSection = "Kafka:Client";
    public const string ProducerSection = "Kafka:Producer";
    public const string ConsumerSection = "Kafka:Consumer";

    /// <summary>Applies every key of <paramref name="section"/> (nested keys joined with dots) to <paramref name="config"/>.</summary>
    /// <remarks>
    /// Not <c>ConfigurationBinder.Bind</c>: it reads every typed property, and Confluent's getters
    /// throw on valid librdkafka spellings set through raw keys (<c>SASL_SSL</c>).
    /// </remarks>
    public static T Apply<T>(T config, IConfigurationSection section)
        where T : ClientConfig
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(section);
        foreach (var (path, value) in section.AsEnumerable(makePathsRelative: true))
        {
            if (string.IsNullOrEmpty(value))
            {
                continue;
            }

            // Environment variable names cannot hold a dot, but '__' becomes a nested key: a nested path is the dotted name.
            var key = path.Replace(ConfigurationPath.KeyDelimiter, ".", StringComparison.Ordinal);
            if (key.Contains('.', StringComparison.Ordinal))
            {
                config.Set(key, value);
                continue;
            }

            var property = typeof(T).GetProperty(key, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase)
                ?? throw new InvalidOperationException(
                    $"{section.Path}:{key} is not a {typeof(T).Name} setting; use a librdkafka property name such as 'sasl.mechanism'.");
            property.SetValue(config, Convert(value, property.PropertyType, $"{section.Path}:{key}"));
        }

        return config;
    }

    private static object Convert(string value, Type type, string setting)
    {
        var target = Nullable.GetUnderlyingType(type) ?? type;
        try
        {
            return target.IsEnum
                ? Enum.Parse(target, value.Replace("_", string.Empty, StringComparison.Ordinal), ignoreCase: true)
                : System.Convert.ChangeType(value, target, CultureInfo.InvariantCulture);
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or OverflowException or InvalidCastException)
        {
            throw new InvalidOperationException($"{setting} has an invalid value '{value}' for {target.Name}.", ex);
        }
    }

    /// <summary>
    /// <paramref name="config"/> with the bootstrap servers of <paramref name="connectionName"/>, then every key of
    /// <see cref="ClientSection"/>, then every key of <paramref name="section"/> applied; with <paramref name="validate"/>, throws naming the settings when no
    /// bootstrap servers are configured.
    /// </summary>
    public static T Create<T>(IConfiguration configuration, string connectionName, string section, T config, bool validate = true)
        where T : ClientConfig
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(config);
        if (string.IsNullOrEmpty(config.BootstrapServers))
        {
            config.BootstrapServers = KafkaConnection.FindBootstrapServers(configuration, connectionName) ?? string.Empty;
        }

        Apply(config, configuration.GetSection(ClientSection));
        Apply(config, configuration.GetSection(section));
        if (validate && string.IsNullOrEmpty(config.BootstrapServers))
        {
            // Throws naming the settings that could supply them (a section's bootstrap.servers would have, too).
            config.BootstrapServers = KafkaConnection.GetBootstrapServers(configuration, connectionName);
        }

        return config;
    }

    /// <summary>
    /// The settings of <paramref name="config"/> an admin client accepts: the .NET client's own producer/consumer
    /// settings (<c>dotnet.producer.*</c>, <c>dotnet.consumer.*</c>) are refused by one; librdkafka's pass unchanged.
    /// </summary>
    public static AdminClientConfig ForAdmin(ClientConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return new AdminClientConfig(config
            .Where(static setting => !setting.Key.StartsWith("dotnet.", StringComparison.Ordinal))
            .ToDictionary());
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
