using System.Globalization;

namespace Pipeline.Benchmarks.Pipeline;

/// <summary>
/// The <c>pipeline</c> benchmark's figures in the order its summary lists them (that of the per-run lines), each with
/// its target from <see cref="PipelineTargets"/>.
/// </summary>
internal sealed class PipelineFigures
{
    private const string Rate = " events/s";
    private const string Megabytes = " MB";
    private const string Milliseconds = " ms";
    private readonly BenchmarkSummary _summary = new();
    private (BenchmarkSummary.Figure P50, BenchmarkSummary.Figure P99, BenchmarkSummary.Figure Peak)? _latency;

    public PipelineFigures(int events)
    {
        InProcess = _summary.Add("in-process", Rate, "N0", Target.AtLeast(PipelineTargets.InProcessEventsPerSecond, Rate));
        InProcessP99 = _summary.Add("in-process p99 event-to-commit", Milliseconds, "N0");
        // The memory target is stated for a run of that many events.
        InProcessPeak = _summary.Add("in-process peak working set", Megabytes, "F0");
        // The memory targets are judged on runs in a fresh process (FreshProcessRun), the in-process one for a run of that many events.
        InProcessFreshPeak = _summary.Add("in-process peak working set in a fresh process", Megabytes, "F0",
            events == PipelineTargets.InProcessMemoryEvents ? Target.AtMost(PipelineTargets.InProcessPeakWorkingSetMb, Megabytes) : null);
        DuckDb = _summary.Add("duckdb batch", Rate, "N0");
        DuckDbPeak = _summary.Add("duckdb batch peak working set", Megabytes, "F0");
        InProcessOverDuckDb = _summary.Add("ratio in-process/duckdb", "", "F2", Target.AtLeast(PipelineTargets.InProcessOverDuckDb));
        EndToEnd = _summary.Add("end-to-end", Rate, "N0", Target.AtLeast(PipelineTargets.EndToEndEventsPerSecond, Rate));
        EndToEndP99 = _summary.Add("end-to-end p99 event-to-commit", Milliseconds, "N0");
        EndToEndPeak = _summary.Add("end-to-end peak working set", Megabytes, "F0");
        EndToEndFreshPeak = _summary.Add("end-to-end peak working set in a fresh process", Megabytes, "F0",
            Target.AtMost(PipelineTargets.EndToEndPeakWorkingSetMb, Megabytes));
        Drain = _summary.Add("end-to-end backlog", Rate, "N0");
        DrainPeak = _summary.Add("end-to-end backlog peak working set", Megabytes, "F0");
        BareConsumer = _summary.Add("bare consumer", Rate, "N0");
        BareConsumerPeak = _summary.Add("bare consumer peak working set", Megabytes, "F0");
        ProcessorOverBareConsumer = _summary.Add("ratio processor/bare consumer", "", "F2", Target.AtLeast(PipelineTargets.ProcessorOverBareConsumer));
        TracingOn = _summary.Add("end-to-end backlog tracing on", Rate, "N0");
        TracingOnPeak = _summary.Add("end-to-end backlog tracing on peak working set", Megabytes, "F0");
        TracingOnOverOff = _summary.Add("ratio tracing on/off", "", "F2", Target.AtLeast(PipelineTargets.TracingOnOverOff));
        Streamiz = _summary.Add("streamiz", Rate, "N0");
        StreamizPeak = _summary.Add("streamiz peak working set", Megabytes, "F0");
        ProcessorOverStreamiz = _summary.Add("ratio processor/streamiz", "", "F2", Target.AtLeast(PipelineTargets.ProcessorOverStreamiz));
    }

    public BenchmarkSummary.Figure InProcess { get; }

    public BenchmarkSummary.Figure InProcessP99 { get; }

    public BenchmarkSummary.Figure InProcessPeak { get; }

    public BenchmarkSummary.Figure InProcessFreshPeak { get; }

    public BenchmarkSummary.Figure DuckDb { get; }

    public BenchmarkSummary.Figure DuckDbPeak { get; }

    public BenchmarkSummary.Figure InProcessOverDuckDb { get; }

    public BenchmarkSummary.Figure EndToEnd { get; }

    public BenchmarkSummary.Figure EndToEndP99 { get; }

    public BenchmarkSummary.Figure EndToEndPeak { get; }

    public BenchmarkSummary.Figure EndToEndFreshPeak { get; }

    public BenchmarkSummary.Figure Drain { get; }

    public BenchmarkSummary.Figure DrainPeak { get; }

    public BenchmarkSummary.Figure BareConsumer { get; }

    public BenchmarkSummary.Figure BareConsumerPeak { get; }

    public BenchmarkSummary.Figure ProcessorOverBareConsumer { get; }

    public BenchmarkSummary.Figure TracingOn { get; }

    public BenchmarkSummary.Figure TracingOnPeak { get; }

    public BenchmarkSummary.Figure TracingOnOverOff { get; }

    public BenchmarkSummary.Figure Streamiz { get; }

    public BenchmarkSummary.Figure StreamizPeak { get; }

    public BenchmarkSummary.Figure ProcessorOverStreamiz { get; }

    /// <summary>The latency run's figures; its target depends on the trigger interval the run's processor bound, known once it has run.</summary>
    public (BenchmarkSummary.Figure P50, BenchmarkSummary.Figure P99, BenchmarkSummary.Figure Peak) Latency(TimeSpan triggerInterval, int rate) =>
        _latency ??= (
            _summary.Add("latency p50 event-to-commit", Milliseconds, "N0"),
            _summary.Add(string.Create(CultureInfo.InvariantCulture, $"latency p99 event-to-commit at {rate:N0} events/s"), Milliseconds, "N0",
                LatencyTarget(triggerInterval)),
            _summary.Add("latency peak working set", Megabytes, "F0"));

    /// <summary>"≤ trigger interval (5 s) + 1 s", in milliseconds.</summary>
    public static Target LatencyTarget(TimeSpan triggerInterval)
    {
        var limit = (triggerInterval + PipelineTargets.LatencyOverTriggerInterval).TotalMilliseconds;
        return new Target(string.Create(CultureInfo.InvariantCulture,
            $"≤ trigger interval ({triggerInterval.TotalSeconds:0.###} s) + {PipelineTargets.LatencyOverTriggerInterval.TotalSeconds:0.###} s"),
            value => value <= limit);
    }

    public IEnumerable<string> SummaryLines() => _summary.Lines();
}
