using Microsoft.Extensions.Options;
using Pipeline.StreamProcessor.Processing;
using Pipeline.StreamProcessor.Reporting;
using Pipeline.StreamProcessor.Sinks;

namespace Pipeline.StreamProcessor.Extensions;

/// <summary>
/// <c>/progress</c>: what the StreamProcessor is doing right now (<see cref="ProcessorProgress"/>), built on the HTTP
/// thread from the engine's latest published snapshot (<see cref="ProgressTracker"/>) and the prober's thread-safe facts;
/// it never touches a lane. It lives with the wiring, not in Reporting, because it joins Reporting's snapshots with
/// Processing's prober (Reporting does not depend on Processing).
/// </summary>
public static class ProgressEndpoint
{
    /// <summary>The path, beside <c>/health</c> and <c>/alive</c>; the AppHost's dashboard link mirrors it (<c>ServiceEnvironment.ProgressPath</c>).</summary>
    public const string Path = "/progress";

    /// <summary>Maps <see cref="Path"/>; call after <c>MapDefaultEndpoints</c>, on a host built with <c>AddStreamProcessor</c>.</summary>
    public static WebApplication MapProgressEndpoint(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGet(Path, static (ProgressTracker tracker, PartitionProber prober, IOptions<ProcessorOptions> processor,
                IOptions<SinkOptions> sink, TimeProvider timeProvider) =>
            Results.Json(Build(tracker.Current, prober, processor.Value, sink.Value.RunId, timeProvider.GetUtcNow()),
                ProgressJsonContext.Default.ProcessorProgress));
        return app;
    }

    internal static ProcessorProgress Build(
        ProgressSnapshot snapshot, PartitionProber prober, ProcessorOptions options, string runId, DateTimeOffset now)
    {
        var partitions = snapshot.Partitions.Select(p => Partition(p, prober.Leader(p.Partition), now)).ToList();
        var totals = new ProgressTotals(
            partitions.Count,
            partitions.Sum(static p => p.Lag ?? 0),
            partitions.Count(static p => p.LeaderAnswering == false),
            partitions.Sum(static p => p.OpenWindows),
            partitions.Sum(static p => p.StateRows),
            Round(partitions.Sum(static p => p.InputRowsPerSecond ?? 0)),
            Round(partitions.Sum(static p => p.ProcessedRowsPerSecond ?? 0)),
            partitions.Sum(static p => p.Commits),
            Round(partitions.Sum(static p => p.FilesPerHour ?? 0)));
        return new ProcessorProgress(runId, options.Topic, options.GroupId, now, snapshot.At, partitions, totals);
    }

    private static PartitionProgress Partition(PartitionState state, LeaderFacts? leader, DateTimeOffset now)
    {
        var logEnd = leader?.Log?.High;
        // Before the first message the position is the log start (a fresh partition reads from the earliest offset).
        var position = state.Position ?? leader?.Log?.Low;
        long? lag = logEnd is { } end && position is { } at ? Math.Max(end - at, 0) : null;
        var last = state.LastCommit is { } commit
            ? new LastCommitProgress(commit.At, commit.FirstOffset >= 0 ? commit.FirstOffset : null, commit.NextOffset,
                commit.Rows, commit.Files, commit.Windows, Round(commit.Duration.TotalMilliseconds))
            : null;
        return new PartitionProgress(
            state.Partition,
            state.CommittedOffset,
            state.Position,
            logEnd,
            leader?.SinceAnswer is { } since ? now - since : null,
            lag,
            leader?.Answering,
            state.Watermark,
            state.MaxEventTime,
            state.OpenWindows,
            state.StateRows,
            state.LateEvents,
            Round(state.InputRate),
            Round(state.ProcessingRate),
            last,
            state.Commits,
            Round(state.AverageCommitDuration?.TotalMilliseconds),
            Round(state.FilesPerHour));
    }

    private static double Round(double value) => Math.Round(value, 1);

    private static double? Round(double? value) => value is { } v ? Round(v) : null;
}
