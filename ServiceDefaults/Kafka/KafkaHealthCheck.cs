using Confluent.Kafka;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Pipeline.ServiceDefaults.Kafka;

/// <summary>
/// Healthy when the cluster answers a metadata request within the timeout. One admin client is
/// kept for the life of the check: creating one per probe would open new connections each time.
/// Built from the configuration of the client it checks (<c>AddKafkaProducer</c>/<c>AddKafkaConsumer</c>), so it
/// connects as that client does: same addresses, same security settings (secrets are kept, never logged).
/// </summary>
public sealed class KafkaHealthCheck(ClientConfig config, TimeSpan timeout, Action<IClient, LogMessage>? logHandler = null) : IHealthCheck, IDisposable
{
    private readonly Lazy<IAdminClient> _admin = new(() => new AdminClientBuilder(KafkaClientConfiguration.ForAdmin(config))
        // The client's own error handler reports the cluster's state, so the probe's lines go at Debug at most
        // (KafkaClientLog.Handler with probe: a consumer's or producer's settings would warn on an admin client).
        .SetLogHandler(logHandler ?? (static (_, _) => { }))
        .Build());

    /// <summary>The configuration the check connects with.</summary>
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var metadata = _admin.Value.GetMetadata(timeout);
            return Task.FromResult(metadata.Brokers.Count > 0
                ? HealthCheckResult.Healthy($"{metadata.Brokers.Count} broker(s) reachable")
                : HealthCheckResult.Unhealthy("The cluster reported no brokers."));
        }
        catch (KafkaException ex)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy($"Kafka unreachable: {ex.Error.Reason}"));
        }
    }

    public void Dispose()
    {
        if (_admin.IsValueCreated)
        {
            _admin.Value.Dispose();
        }
    }
}
