using Azure;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Pipeline.AppHost.Topology;

/// <summary>
/// Healthy once Azurite answers a signed request for the account's service properties with the connection string
/// the StreamProcessor gets: its readiness, which the StreamProcessor's <c>WaitFor</c> waits on. The connection
/// string is resolved when the check runs, because Aspire allocates the port only when Azurite starts. Messages name
/// the blob endpoint, never the connection string (it holds the key).
/// </summary>
public sealed class AzuriteHealthCheck(Func<CancellationToken, ValueTask<string?>> connectionString) : IHealthCheck
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(2);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var value = await connectionString(cancellationToken);
        if (string.IsNullOrWhiteSpace(value))
        {
            return HealthCheckResult.Unhealthy("Azurite's address is not known yet.");
        }

        // One try per check: the health check service asks again.
        var options = new BlobClientOptions();
        options.Retry.MaxRetries = 0;
        options.Retry.NetworkTimeout = s_timeout;
        var service = new BlobServiceClient(value, options);
        try
        {
            await service.GetPropertiesAsync(cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (RequestFailedException ex)
        {
            return HealthCheckResult.Unhealthy(ex.Status == 0
                ? $"Azurite at {service.Uri} did not answer."
                : $"Azurite at {service.Uri} refused the request: {ex.Status} {ex.ErrorCode}.");
        }
        catch (AggregateException)
        {
            return HealthCheckResult.Unhealthy($"Azurite at {service.Uri} did not answer.");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy($"Azurite at {service.Uri} did not answer within {s_timeout.TotalSeconds:0} s.");
        }
    }
}
