using Microsoft.Extensions.Configuration;
using Pipeline.ServiceDefaults.Configuration;

namespace Pipeline.ServiceDefaults.Kafka;

/// <summary>
/// Where the services find Kafka. <c>ConnectionStrings:kafka</c> is what Aspire's
/// <c>WithReference(kafka)</c> injects (plain <c>host:port</c> bootstrap servers);
/// <c>KAFKA_BOOTSTRAP_SERVERS</c> is the seed stack's variable, kept as an alias
/// (ranked as <see cref="ConfigurationAliases"/> describes).
/// </summary>
public static class KafkaConnection
{
    public const string ConnectionName = "kafka";
    public const string ConnectionStringKey = "ConnectionStrings:" + ConnectionName;
    public const string BootstrapServersAlias = "KAFKA_BOOTSTRAP_SERVERS";

    /// <summary>The bootstrap servers of <paramref name="connectionName"/> (the alias only for <see cref="ConnectionName"/>), or null.</summary>
    public static string? FindBootstrapServers(IConfiguration configuration, string connectionName) =>
        connectionName == ConnectionName
            ? FindBootstrapServers(configuration)
            : configuration.GetConnectionString(connectionName)?.Trim();

    /// <summary>The bootstrap servers of <paramref name="connectionName"/>, or throws naming the settings that could supply them.</summary>
    public static string GetBootstrapServers(IConfiguration configuration, string connectionName) =>
        connectionName == ConnectionName
            ? GetBootstrapServers(configuration)
            : FindBootstrapServers(configuration, connectionName) ?? throw new InvalidOperationException(
                $"No Kafka bootstrap servers configured: set ConnectionStrings:{connectionName}.");

    /// <summary>The bootstrap servers, or null when neither setting supplies them.</summary>
    public static string? FindBootstrapServers(IConfiguration configuration) =>
        ConfigurationAliases.GetValue(configuration, ConnectionStringKey, BootstrapServersAlias)?.Trim();

    /// <summary>Returns the bootstrap servers, or throws naming both settings that could supply them.</summary>
    public static string GetBootstrapServers(IConfiguration configuration) =>
        FindBootstrapServers(configuration) ?? throw new InvalidOperationException(
            $"No Kafka bootstrap servers configured: set {ConnectionStringKey} " +
            $"(environment variable ConnectionStrings__{ConnectionName}) or {BootstrapServersAlias}.");
}
