using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace Pipeline.ServiceDefaults.Kafka;

/// <summary>
/// librdkafka's own log lines (what <c>debug=…</c> turns on, broker and protocol warnings) forwarded to the service's
/// <see cref="ILogger"/>, under the category <c>Pipeline.Kafka.&lt;client id&gt;</c>, so
/// <c>Logging:LogLevel:Pipeline.Kafka=Debug</c> shows them. Syslog levels map to log levels (<see cref="LevelOf"/>),
/// except lines the error handler already reports (FAIL) and those of probes, at Debug;
/// every secret value of the client's configuration is masked in the text, whatever librdkafka prints.
/// </summary>
public static partial class KafkaClientLog
{
    /// <summary>The categories' common prefix: one category per client below it.</summary>
    public const string CategoryPrefix = "Pipeline.Kafka";

    private const string FailFacility = "FAIL";

    /// <summary>
    /// The log handler of a client built from <paramref name="config"/>, logging to the category <see cref="Category"/>
    /// names (its <c>client.id</c>, else <paramref name="clientName"/>, then <paramref name="probeRole"/>). A
    /// <paramref name="probeRole"/> (<c>health</c>) marks an admin client probing for that client: a probe.
    /// </summary>
    public static Action<IClient, LogMessage> Handler(ILoggerFactory loggerFactory, ClientConfig config, string clientName, string? probeRole = null)
    {
        ArgumentNullException.ThrowIfNull(loggerFactory);
        return Handler(loggerFactory.CreateLogger(Category(config, clientName, probeRole)), config, probe: probeRole is not null);
    }

    /// <summary>
    /// The log handler of a client built from <paramref name="config"/>, logging to <paramref name="logger"/>; a
    /// <paramref name="probe"/> (an admin client that only asks for metadata) logs every line at Debug: the probe
    /// reports its own outcome, and the client it probes for reports the cluster's errors.
    /// </summary>
    public static Action<IClient, LogMessage> Handler(ILogger logger, ClientConfig config, bool probe = false)
    {
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentNullException.ThrowIfNull(config);
        var secrets = config.Where(static setting => KafkaClientConfiguration.IsSecret(setting.Key) && !string.IsNullOrEmpty(setting.Value))
            .Select(static setting => setting.Value)
            .Distinct(StringComparer.Ordinal)
            .ToArray();
        return (_, message) => Forward(logger, message, secrets, probe);
    }

    /// <summary><c>Pipeline.Kafka.&lt;client.id or name&gt;[.&lt;role&gt;]</c>, spaces as dashes.</summary>
    public static string Category(ClientConfig config, string clientName, string? role = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        var name = string.IsNullOrWhiteSpace(config.ClientId) ? clientName : config.ClientId;
        name = name.Trim().Replace(' ', '-');
        return role is null ? $"{CategoryPrefix}.{name}" : $"{CategoryPrefix}.{name}.{role}";
    }

    /// <summary>
    /// Emergency to critical: Critical; error, warning: the same; notice and info (rare, about the client's state):
    /// Information; debug (only lines a <c>debug</c> context asked for): Debug.
    /// </summary>
    public static LogLevel LevelOf(SyslogLevel level) => level switch
    {
        SyslogLevel.Emergency or SyslogLevel.Alert or SyslogLevel.Critical => LogLevel.Critical,
        SyslogLevel.Error => LogLevel.Error,
        SyslogLevel.Warning => LogLevel.Warning,
        SyslogLevel.Notice or SyslogLevel.Info => LogLevel.Information,
        _ => LogLevel.Debug,
    };

    internal static void Forward(ILogger logger, LogMessage message, string[] secrets, bool probe)
    {
        // A FAIL line (a broker connection failed) is also raised as an error, which the client's error handler logs
        // (KafkaClientMonitor): once is enough at Warning; the line stays visible at Debug.
        var level = probe || message.Facility == FailFacility ? LogLevel.Debug : LevelOf(message.Level);
        if (!logger.IsEnabled(level))
        {
            return;
        }

        var text = message.Message ?? string.Empty;
        foreach (var secret in secrets)
        {
            text = text.Replace(secret, "***", StringComparison.Ordinal);
        }

        LogLibrdkafka(logger, level, message.Facility, message.Name, text);
    }

    [LoggerMessage(EventId = 9007, EventName = "Librdkafka", Message = "librdkafka {Facility} [{Instance}] {Text}")]
    private static partial void LogLibrdkafka(ILogger logger, LogLevel level, string facility, string instance, string text);
}
