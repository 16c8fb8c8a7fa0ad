using System.Collections.Concurrent;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Pipeline.StreamProcessor.Processing;

/// <summary>
/// Whether batches commit. Unhealthy while the output is unwritable or full (the processor then stops committing
/// offsets and pauses consumption until it recovers), or while a lane's results (dead letters, windows) are not
/// acknowledged: that lane alone is paused and retried, and the description names its partition.
/// </summary>
internal sealed class SinkHealth : IHealthCheck
{
    private readonly ConcurrentDictionary<int, string> _lanes = new();
    private volatile string? _failure;

    /// <summary>Whether the output (shared by every lane) is failing.</summary>
    public bool IsFailing => _failure is not null;

    /// <summary>
    /// Records a failure; returns true only when it starts an outage, so it is logged once, not per
    /// retry and not once per partition (each partition's error names its own file).
    /// </summary>
    public bool ReportFailure(Exception exception)
    {
        var previous = _failure;
        _failure = exception.Message;
        return previous is null;
    }

    /// <summary>Records a successful commit; returns true when it ends a failure.</summary>
    public bool ReportSuccess()
    {
        var wasFailing = _failure is not null;
        _failure = null;
        return wasFailing;
    }

    /// <summary>Records a failure of one lane's results; returns true when it starts that lane's outage.</summary>
    public bool ReportLaneFailure(int partition, Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var started = !_lanes.ContainsKey(partition);
        _lanes[partition] = exception.Message;
        return started;
    }

    /// <summary>Forgets a lane's failure (it committed, or its partition went elsewhere); returns true when there was one.</summary>
    public bool ClearLane(int partition) => _lanes.TryRemove(partition, out _);

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (_failure is { } failure)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy($"Output not writable; commits paused: {failure}"));
        }

        var lanes = _lanes.ToArray();
        if (lanes.Length > 0)
        {
            var partitions = string.Join(", ", lanes.Select(static l => l.Key).Order());
            return Task.FromResult(HealthCheckResult.Unhealthy(
                $"Results not acknowledged for partition(s) {partitions}; their commits and consumption paused: {lanes[0].Value}"));
        }

        return Task.FromResult(HealthCheckResult.Healthy("Batches are committing."));
    }
}
