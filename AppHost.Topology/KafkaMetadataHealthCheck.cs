using Confluent.Kafka;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Pipeline.AppHost.Topology;

/// <summary>
/// Healthy once the broker answers a metadata request: the embedded broker's readiness, which the
/// services' <c>WaitFor</c> and the topic provisioning wait on. The bootstrap address is resolved
/// when the check runs, because Aspire allocates the broker's port only when it starts.
/// </summary>
public sealed class KafkaMetadataHealthCheck(Func<CancellationToken, ValueTask<string?>> bootstrapServers) : IHealthCheck
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(2);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var servers = await bootstrapServers(cancellationToken);
        if (string.IsNullOrWhiteSpace(servers))
        {
            return HealthCheckResult.Unhealthy("The broker's address is not known yet.");
        }

        try
        {
            // librdkafka's metadata call blocks: keep it off the caller's thread.
            var brokers = await Task.Run(() =>
            {
                using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = servers })
                    .SetLogHandler(static (_, _) => { })
                    .Build();
                return admin.GetMetadata(s_timeout).Brokers.Count;
            }, cancellationToken);
            return brokers > 0
                ? HealthCheckResult.Healthy()
                : HealthCheckResult.Unhealthy($"The broker at {servers} reported no brokers.");
        }
        catch (KafkaException ex)
        {
            return HealthCheckResult.Unhealthy($"The broker at {servers} did not answer: {ex.Error.Reason}");
        }
    }
}
