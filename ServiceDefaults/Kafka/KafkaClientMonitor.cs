using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace Pipeline.ServiceDefaults.Kafka;

/// <summary>
/// The error handler of one Kafka client: every client error at Warning, an outage (all brokers down)
/// once, and the first success after it once (<see cref="ReportSuccess"/>, from a delivery or a consumed
/// message). Registered per client, keyed <see cref="Producer"/> or <see cref="Consumer"/>.
/// </summary>
public sealed partial class KafkaClientMonitor
{
    public const string Producer = "kafka-producer";
    public const string Consumer = "kafka-consumer";

    private readonly BrokerAvailability _availability = new();
    private readonly ILogger _logger;
    private readonly string _clientName;
    private readonly string? _outageConsequence;
    private readonly string _recoveryDescription;

    public KafkaClientMonitor(ILogger logger, string clientName, string? outageConsequence, string recoveryDescription)
    {
        ArgumentNullException.ThrowIfNull(logger);
        _logger = logger;
        _clientName = clientName;
        _outageConsequence = outageConsequence;
        _recoveryDescription = recoveryDescription;
    }

    /// <summary>Logs the client's configuration, secrets masked.</summary>
    public void ReportConfig(ClientConfig config) => LogClientConfig(_logger, _clientName, KafkaClientConfiguration.Describe(config));

    /// <summary>The client's error handler.</summary>
    public void ReportError(Error error)
    {
        ArgumentNullException.ThrowIfNull(error);
        LogClientError(_logger, error.Reason, error.IsFatal);
        if (_outageConsequence is not null && _availability.ReportError(error))
        {
            LogBrokersDown(_logger, _outageConsequence);
        }
    }

    /// <summary>A delivery or a consumed message: logs the reconnection when it ends an outage. One volatile read otherwise.</summary>
    public void ReportSuccess()
    {
        if (_availability.ReportSuccess())
        {
            LogBrokersReconnected(_logger, _recoveryDescription);
        }
    }

    [LoggerMessage(EventId = 9003, EventName = "ClientConfig", Level = LogLevel.Debug,
        Message = "Kafka {ClientName} config: {Config}")]
    private static partial void LogClientConfig(ILogger logger, string clientName, string config);

    [LoggerMessage(EventId = 9004, EventName = "ClientError", Level = LogLevel.Warning,
        Message = "Kafka client: {Reason} (fatal: {IsFatal})")]
    private static partial void LogClientError(ILogger logger, string reason, bool isFatal);

    [LoggerMessage(EventId = 9005, EventName = "BrokersDown", Level = LogLevel.Warning,
        Message = "Lost the connection to every Kafka broker; {Consequence}")]
    private static partial void LogBrokersDown(ILogger logger, string consequence);

    [LoggerMessage(EventId = 9006, EventName = "BrokersReconnected", Level = LogLevel.Information,
        Message = "Reconnected to Kafka: {Recovery}")]
    private static partial void LogBrokersReconnected(ILogger logger, string recovery);
}
