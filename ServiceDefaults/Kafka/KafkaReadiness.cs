using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace Pipeline.ServiceDefaults.Kafka;

/// <summary>
/// Waits at start until the cluster answers, with exponential backoff and one clear log line per
/// attempt, so a service started before its broker waits instead of crash-looping.
/// </summary>
public static partial class KafkaReadiness
{
    public static async Task WaitForBrokerAsync(
        ClientConfig config,
        TimeSpan initialBackoff,
        TimeSpan maxBackoff,
        TimeProvider timeProvider,
        ILogger logger,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(logger);
        using var admin = new AdminClientBuilder(KafkaClientConfiguration.ForAdmin(config))
            // Connection refusals while waiting are expected: one line per attempt below; librdkafka's own at Debug.
            .SetLogHandler(KafkaClientLog.Handler(logger, config, probe: true))
            .Build();
        var backoff = initialBackoff;
        for (var attempt = 1; ; attempt++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                var metadata = admin.GetMetadata(TimeSpan.FromSeconds(5));
                if (metadata.Brokers.Count > 0)
                {
                    LogBrokerReachable(logger, config.BootstrapServers, metadata.Brokers.Count, attempt);
                    return;
                }
            }
            catch (KafkaException ex)
            {
                LogBrokerUnreachable(logger, config.BootstrapServers, ex.Error.Reason, attempt, backoff);
            }

            await Task.Delay(backoff, timeProvider, cancellationToken);
            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, maxBackoff.Ticks));
        }
    }

    [LoggerMessage(EventId = 9001, EventName = "KafkaReachable", Level = LogLevel.Information,
        Message = "Kafka at {BootstrapServers} is reachable ({BrokerCount} broker(s), attempt {Attempt})")]
    private static partial void LogBrokerReachable(ILogger logger, string bootstrapServers, int brokerCount, int attempt);

    [LoggerMessage(EventId = 9002, EventName = "KafkaUnreachable", Level = LogLevel.Warning,
        Message = "Kafka at {BootstrapServers} is not reachable yet ({Reason}, attempt {Attempt}); retrying in {Backoff}")]
    private static partial void LogBrokerUnreachable(ILogger logger, string bootstrapServers, string reason, int attempt, TimeSpan backoff);
}
