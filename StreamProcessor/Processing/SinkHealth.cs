using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Pipeline.StreamProcessor.Processing;

/// <summary>
/// Whether the last batch commit reached the disk. Unhealthy while the output is unwritable or
/// full; the processor then stops committing offsets and pauses consumption until it recovers.
/// </summary>
internal sealed class SinkHealth : IHealthCheck
{
    private volatile string? _failure;

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

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(_failure is { } failure
            ? HealthCheckResult.Unhealthy($"Output not writable; commits paused: {failure}")
            : HealthCheckResult.Healthy("Batches are committing."));
}
