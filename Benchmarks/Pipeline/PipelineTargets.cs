namespace Pipeline.Benchmarks.Pipeline;

/// <summary>
/// The performance issue's targets, the one place they are stated; the summary prints them from here. Ratios are of
/// figures measured in the same round; a target is met when the median of the rounds meets it.
/// </summary>
internal static class PipelineTargets
{
    /// <summary>In process: decode → windows → Parquet with checkpoints, events/s.</summary>
    public const double InProcessEventsPerSecond = 1_000_000;

    /// <summary>End to end, producer, broker and processor sharing the machine, events/s.</summary>
    public const double EndToEndEventsPerSecond = 200_000;

    /// <summary>In-process rate over DuckDB's doing the same in batch.</summary>
    public const double InProcessOverDuckDb = 1.5;

    /// <summary>The processor's drain of a filled topic over a bare consumer's read of it.</summary>
    public const double ProcessorOverBareConsumer = 0.8;

    /// <summary>The processor's drain over Streamiz.Kafka.Net's on the same topic.</summary>
    public const double ProcessorOverStreamiz = 2;

    /// <summary>The drain with tracing on over the drain with it off.</summary>
    public const double TracingOnOverOff = 0.9;

    /// <summary>Peak working set of the in-process run of <see cref="InProcessMemoryEvents"/> events, MB.</summary>
    public const double InProcessPeakWorkingSetMb = 256;

    /// <summary>The in-process run the memory target is stated for.</summary>
    public const int InProcessMemoryEvents = 1_000_000;

    /// <summary>Peak working set of the end-to-end run, broker, producer and processor in one process, MB.</summary>
    public const double EndToEndPeakWorkingSetMb = 512;

    /// <summary>The steady rate through the broker the latency target is stated at, events/s.</summary>
    public const int LatencyRate = 20_000;

    /// <summary>p99 event-to-commit at <see cref="LatencyRate"/> may exceed the service's trigger interval by this much.</summary>
    public static readonly TimeSpan LatencyOverTriggerInterval = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Memory stays flat over the long in-process run (<c>--memory-events</c>): the largest managed heap seen after a
    /// chunk in the second half of the run is at most this factor of the largest in the first half (the heap after a
    /// chunk swings with where the GC happens to be, so single samples are not compared).
    /// </summary>
    public const double FlatHeapGrowth = 1.2;
}
