using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Pipeline.StreamProcessor.Processing;

/// <summary>
/// Degraded while an assigned partition is unavailable: its leader has not answered an offsets request for longer than
/// <see cref="ProcessorOptions.PartitionConfirmationMaxAge"/> (the <see cref="PartitionProber"/>'s facts, the same that
/// keep its watermark from advancing). The cluster answering metadata says nothing about one partition's leader.
/// Degraded, not Unhealthy: the other partitions go on, and this one resumes when its leader is back.
/// </summary>
internal sealed class PartitionHealth(ProcessingEngine engine, PartitionProber prober, IOptions<ProcessorOptions> options) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var lanes = engine.Lanes;
        var unavailable = prober.Unavailable(lanes.Select(static l => l.Partition));
        if (unavailable.Count == 0)
        {
            return Task.FromResult(HealthCheckResult.Healthy($"The leaders of the {lanes.Count} assigned partition(s) are answering."));
        }

        var partitions = string.Join(", ", unavailable.OrderBy(static u => u.Partition)
            .Select(u => $"{engine.Topic}/{u.Partition} (silent {u.Silent:hh\\:mm\\:ss})"));
        return Task.FromResult(HealthCheckResult.Degraded(
            $"Partition(s) unavailable, their leader not answering for more than {options.Value.PartitionConfirmationMaxAge}: {partitions}. " +
            "They are not consumed and their windows wait; the other partitions go on."));
    }
}
