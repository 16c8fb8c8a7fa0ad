using System.Collections.Concurrent;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Pipeline.StreamProcessor.Telemetry;

namespace Pipeline.StreamProcessor.Processing;

/// <summary>
/// The one retry policy of the output, and its health. Which failures are whose:
/// <list type="bullet">
/// <item>an output failure (<see cref="IsOutputFailure"/>: the files or checkpoints could not be written) is every lane's:
/// the source is paused and the commits are retried with a doubling backoff;</item>
/// <item>a results failure (<see cref="IsResultsFailure"/>: a lane's dead letters or windows not acknowledged) is that lane's
/// alone: its partition is paused and retried with its own backoff while the other lanes commit;</item>
/// <item>either is fatal under <see cref="ProcessorOptions.ExitOnSinkFailure"/> (<see cref="SinkFailedException"/>), and
/// anything else is not a commit failure at all and escapes.</item>
/// </list>
/// Opening a lane on assignment (<see cref="OpenAsync"/>) waits out an output failure with the same backoff, for a while.
/// Unhealthy while the output fails or a lane's results do (the description names the partitions). Everything but the
/// health check runs on the engine's thread.
/// </summary>
internal sealed class CommitRetry(
    ProcessorTelemetry telemetry,
    IOptions<ProcessorOptions> options,
    TimeProvider timeProvider,
    ILogger<CommitRetry> logger) : IHealthCheck
{
    /// <summary>How long opening a lane waits for an output that fails (see <see cref="OpenAsync"/>).</summary>
    internal static readonly TimeSpan OpenRetryLimit = TimeSpan.FromMinutes(1);

    private readonly ProcessorOptions _options = options.Value;
    private readonly ConcurrentDictionary<int, string> _laneFailures = new();
    private readonly Dictionary<int, Backoff> _laneRetries = [];
    private volatile string? _outputFailure;
    private Backoff _outputRetry;

    /// <summary>Whether the output (shared by every lane) is failing.</summary>
    public bool IsOutputFailing => _outputFailure is not null;

    /// <summary>The output is failing and its next retry is not due at <paramref name="now"/>.</summary>
    public bool OutputWaits(long now) => IsOutputFailing && now < _outputRetry.RetryAt;

    /// <summary>Whether the lane's results failed and its commit is being retried (its partition paused).</summary>
    public bool IsLaneRetrying(int partition) => _laneRetries.ContainsKey(partition);

    /// <summary>The lane is retrying and its next retry is not due at <paramref name="now"/>.</summary>
    public bool LaneWaits(int partition, long now) => _laneRetries.TryGetValue(partition, out var retry) && now < retry.RetryAt;

    /// <summary>The output could not be written: every lane waits (a retry is worth it).</summary>
    public static bool IsOutputFailure(Exception ex) => ex is IOException or UnauthorizedAccessException;

    /// <summary>The results topic did not take a lane's messages (a partition without a leader, a slow broker): that lane waits.</summary>
    public static bool IsResultsFailure(Exception ex) => ex is TimeoutException or ResultPublishException;

    /// <summary>What a commit may fail with that is not a bug: the output, or the results' topics.</summary>
    public static bool IsCommitFailure(Exception ex) => IsOutputFailure(ex) || IsResultsFailure(ex);

    /// <summary>
    /// Opens a partition's lane, waiting out an outage of the output (a blob service restarting, a network blip): the
    /// assignment cannot be put off, so the open is retried with the output's backoff for up to <see cref="OpenRetryLimit"/>
    /// (well inside Kafka's default max.poll.interval.ms of 5 minutes) before the failure escapes and stops the processor.
    /// </summary>
    public async Task<T> OpenAsync<T>(string topic, int partition, Func<CancellationToken, Task<T>> open, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(open);
        var started = timeProvider.GetTimestamp();
        var backoff = TimeSpan.Zero;
        while (true)
        {
            try
            {
                return await open(cancellationToken);
            }
            catch (Exception ex) when (IsOutputFailure(ex) && timeProvider.GetElapsedTime(started) < OpenRetryLimit)
            {
                telemetry.SinkFailures.Add(1);
                StartsOutputOutage(ex);
                if (backoff == TimeSpan.Zero)
                {
                    Log.AssignmentWaiting(logger, ex, topic, partition, ex.Message, OpenRetryLimit);
                }

                backoff = Next(backoff);
                await Task.Delay(backoff, timeProvider, cancellationToken);
            }
        }
    }

    /// <summary>
    /// A commit failed on the output: counted, reported (logged when an outage starts), and every lane's retry put off by
    /// the doubled backoff; the caller pauses the source.
    /// </summary>
    /// <exception cref="SinkFailedException">Under <see cref="ProcessorOptions.ExitOnSinkFailure"/>.</exception>
    public void OutputFailed(PartitionLane lane, Exception ex)
    {
        Report(lane, ex, results: false);
        _outputRetry = Schedule(_outputRetry.Delay);
    }

    /// <summary>
    /// A lane's results were not acknowledged: counted, reported, and its own retry put off by its doubled backoff.
    /// True when this starts its retry (the caller pauses its partition).
    /// </summary>
    /// <exception cref="SinkFailedException">Under <see cref="ProcessorOptions.ExitOnSinkFailure"/>.</exception>
    public bool LaneFailed(PartitionLane lane, Exception ex)
    {
        Report(lane, ex, results: true);
        var starts = !_laneRetries.TryGetValue(lane.Partition, out var retry);
        _laneRetries[lane.Partition] = Schedule(retry.Delay);
        return starts;
    }

    /// <summary>A lane's batch committed: true when that ends its retry (the caller resumes its partition).</summary>
    public bool LaneCommitted(PartitionLane lane)
    {
        ArgumentNullException.ThrowIfNull(lane);
        if (!_laneRetries.Remove(lane.Partition))
        {
            return false;
        }

        _laneFailures.TryRemove(lane.Partition, out _);
        Log.ResultsRecovered(logger, lane.Topic, lane.Partition);
        return true;
    }

    /// <summary>A commit attempt met no output failure: true when that ends an outage (the caller resumes the source).</summary>
    public bool OutputRecovered()
    {
        var wasFailing = _outputFailure is not null;
        _outputFailure = null;
        if (wasFailing)
        {
            _outputRetry = default;
            Log.SinkRecovered(logger);
        }

        return wasFailing;
    }

    /// <summary>
    /// A lane dropped (its partition went elsewhere): forgets its failure. True when it was retrying, so its partition,
    /// still assigned while the rebalance callback runs, is paused and must be resumed.
    /// </summary>
    public bool Forget(int partition)
    {
        _laneFailures.TryRemove(partition, out _);
        return _laneRetries.Remove(partition);
    }

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (_outputFailure is { } failure)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy($"Output not writable; commits paused: {failure}"));
        }

        var lanes = _laneFailures.ToArray();
        if (lanes.Length > 0)
        {
            var partitions = string.Join(", ", lanes.Select(static l => l.Key).Order());
            return Task.FromResult(HealthCheckResult.Unhealthy(
                $"Results not acknowledged for partition(s) {partitions}; their commits and consumption paused: {lanes[0].Value}"));
        }

        return Task.FromResult(HealthCheckResult.Healthy("Batches are committing."));
    }

    /// <summary>Counts the failure, reports it to health (logged when an outage starts), and stops the run under <see cref="ProcessorOptions.ExitOnSinkFailure"/>.</summary>
    private void Report(PartitionLane lane, Exception ex, bool results)
    {
        telemetry.SinkFailures.Add(1);
        if (results ? StartsLaneOutage(lane.Partition, ex) : StartsOutputOutage(ex))
        {
            if (results)
            {
                Log.ResultsFailed(logger, ex, lane.Topic, lane.Partition, ex.Message);
            }
            else
            {
                Log.SinkFailed(logger, ex, lane.Topic, lane.Partition, ex.Message);
            }
        }

        if (_options.ExitOnSinkFailure)
        {
            throw new SinkFailedException(results
                ? $"Stopping: the results of partition {lane.Topic}/{lane.Partition} were not acknowledged ({ex.Message}) and {ProcessorOptions.SectionName}:ExitOnSinkFailure is set."
                : $"Stopping: the output could not be written ({ex.Message}) and {ProcessorOptions.SectionName}:ExitOnSinkFailure is set.", ex);
        }
    }

    /// <summary>
    /// Records an output failure; true only when it starts an outage, so it is logged once, not per retry and not once
    /// per partition (each partition's error names its own file).
    /// </summary>
    private bool StartsOutputOutage(Exception ex)
    {
        var previous = _outputFailure;
        _outputFailure = ex.Message;
        return previous is null;
    }

    /// <summary>Records a failure of one lane's results; true when it starts that lane's outage.</summary>
    private bool StartsLaneOutage(int partition, Exception ex)
    {
        var started = !_laneFailures.ContainsKey(partition);
        _laneFailures[partition] = ex.Message;
        return started;
    }

    /// <summary>The retry after <paramref name="previous"/> (zero: the first): its doubled delay, and when it is due.</summary>
    private Backoff Schedule(TimeSpan previous)
    {
        var delay = Next(previous);
        return new Backoff(delay, timeProvider.GetTimestamp() + (long)(delay.TotalSeconds * timeProvider.TimestampFrequency));
    }

    /// <summary>The first backoff after zero, then doubling up to <see cref="ProcessorOptions.MaxSinkRetryBackoff"/>.</summary>
    private TimeSpan Next(TimeSpan current) => current == TimeSpan.Zero
        ? _options.SinkRetryBackoff
        : TimeSpan.FromTicks(Math.Min(current.Ticks * 2, _options.MaxSinkRetryBackoff.Ticks));

    /// <summary>A retry's delay and its due <see cref="TimeProvider.GetTimestamp"/>.</summary>
    private readonly record struct Backoff(TimeSpan Delay, long RetryAt);
}

/// <summary>The output could not be written and the run is configured to stop rather than retry.</summary>
internal sealed class SinkFailedException(string message, Exception innerException) : Exception(message, innerException);
