using System.CommandLine;
using System.Globalization;

namespace Pipeline.Benchmarks.Pipeline;

/// <summary>
/// <c>pipeline</c>: the StreamProcessor's stages in process, end to end through the broker, and
/// DuckDB doing the same work in batch on the same events, with the raw ceiling for scale. The setup
/// (corpus, ceilings, stage costs, warm-up) runs once; then every measured run runs once per round, the
/// rounds one after another (so drift hits every figure alike), and a summary gives each figure's median
/// over the rounds, its range and its target.
/// </summary>
internal static class PipelineBenchmarkCommand
{
    private const int WarmUpRuns = 3;

    private sealed record Settings(int Events, long MemoryEvents, int Partitions, bool SkipEndToEnd, int Runs, TimeSpan LatencyDuration, int LatencyRate);

    public static Command Create()
    {
        var events = new Option<int>("--events") { Description = "Events for the in-process, end-to-end and DuckDB runs.", DefaultValueFactory = _ => 1_000_000 };
        var memoryEvents = new Option<long>("--memory-events") { Description = "Events of the long in-process run that checks memory stays flat (0 skips it; runs once).", DefaultValueFactory = _ => 0 };
        var partitions = new Option<int>("--partitions") { Description = "Partitions of the end-to-end topic.", DefaultValueFactory = _ => 4 };
        var skipEndToEnd = new Option<bool>("--skip-end-to-end") { Description = "Only the in-process and DuckDB runs." };
        var runs = new Option<int>("--runs") { Description = "Rounds of the measured runs; the summary gives medians over them.", DefaultValueFactory = _ => 3 };
        var latencySeconds = new Option<int>("--latency-seconds") { Description = "Measured seconds of the steady-rate latency run.", DefaultValueFactory = _ => 20 };
        var latencyRate = new Option<int>("--latency-rate") { Description = "Events/s of the steady-rate latency run.", DefaultValueFactory = _ => PipelineTargets.LatencyRate };
        var command = new Command("pipeline", "Decode → windows → Parquet: in process, end to end, and DuckDB in batch.")
        {
            events, memoryEvents, partitions, skipEndToEnd, runs, latencySeconds, latencyRate,
        };
        foreach (var option in new[] { events, runs, latencySeconds, latencyRate })
        {
            option.Validators.Add(result =>
            {
                if (result.GetValueOrDefault<int>() < 1)
                {
                    result.AddError($"{option.Name} must be at least 1.");
                }
            });
        }

        command.SetAction((result, cancellationToken) => RunAsync(
            new Settings(result.GetValue(events), result.GetValue(memoryEvents), result.GetValue(partitions), result.GetValue(skipEndToEnd),
                result.GetValue(runs), TimeSpan.FromSeconds(result.GetValue(latencySeconds)), result.GetValue(latencyRate)),
            cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(Settings settings, CancellationToken cancellationToken)
    {
        var root = Directory.CreateTempSubdirectory("pipeline-bench-").FullName;
        try
        {
            var events = settings.Events;
            Print($"machine: {Environment.ProcessorCount} cores, .NET {Environment.Version}, server GC {System.Runtime.GCSettings.IsServerGC}");
            var corpus = EventCorpus.Generate(0, events);
            Print($"corpus: {events} events, {corpus.TotalBytes / (double)events:F1} bytes each, e.g. {corpus}");

            var (touch, tokenize) = InProcessRun.MeasureCeilings(corpus);
            Print($"ceiling: touch every byte {touch:N0} events/s; tokenize JSON {tokenize:N0} events/s");

            await StageCosts.MeasureAsync(corpus, Path.Combine(root, "stages-warm-up"), cancellationToken);
            var stages = await StageCosts.MeasureAsync(corpus, Path.Combine(root, "stages"), cancellationToken);
            Print($"stages alone: decode {stages.DecodePerSecond:N0} events/s; windows {stages.WindowsPerSecond:N0} events/s; " +
                $"raw buffer {stages.BufferPerSecond:N0} events/s; Parquet {stages.ParquetRowsPerSecond:N0} rows/s ({stages.Files} files, {Environment.ProcessorCount} cores); " +
                $"allocated: decode {stages.DecodeBytesPerEvent:F0} bytes/event, Parquet {stages.ParquetBytesPerRow:F0} bytes/row");

            // Warm-up, not reported: the runs measure the steady state a long-running service reaches, not tiered JIT
            // compilation (a method runs unoptimized until it has been called often enough, and its promotion waits
            // while other code is still being compiled). Without it, a cold 1M-event drain ran at about 190,000
            // events/s where the same drain warm runs at 340,000 (pipeline-fresh Drain shows the cold figure).
            for (var warmUp = 0; warmUp < WarmUpRuns; warmUp++)
            {
                await InProcessRun.RunAsync(Math.Min(events, 600_000), chunkSize: Math.Min(events, 600_000), Path.Combine(root, $"warm-up-{warmUp}"), firstChunk: null, cancellationToken);
            }

            if (!settings.SkipEndToEnd)
            {
                // The consumer paths (the processor's and the bare consumer's) through the broker, on a smaller topic.
                var warmUpCorpus = EventCorpus.Generate(0, Math.Min(events, 300_000));
                await EndToEndRun.RunAsync(warmUpCorpus, settings.Partitions, drainBacklog: true, Path.Combine(root, "warm-up-drain"), cancellationToken,
                    afterRun: (config, topic, ct) => BareConsumerRun.RunAsync(config, topic, warmUpCorpus.Count, ct));
            }

            var ndjson = Path.Combine(root, "events.ndjson");
            await using (var file = File.Create(ndjson))
            {
                corpus.WriteNdjson(file);
            }

            Print(PeakMemory.Scope);
            var figures = new PipelineFigures(events);
            for (var round = 1; round <= settings.Runs; round++)
            {
                Print($"round {round} of {settings.Runs}");
                var output = Path.Combine(root, $"round-{round}");
                await InProcessAndDuckDbAsync(corpus, ndjson, figures, output, cancellationToken);
                if (!settings.SkipEndToEnd)
                {
                    await ThroughBrokerAsync(corpus, settings, figures, output, cancellationToken);
                }

                Directory.Delete(output, recursive: true);
            }

            if (settings.MemoryEvents > 0)
            {
                var memoryStart = PeakMemory.Reset();
                var run = await InProcessRun.RunAsync(settings.MemoryEvents, chunkSize: 1_000_000, Path.Combine(root, "memory"), firstChunk: null, cancellationToken);
                Print($"memory: {run.Events} events at {run.EventsPerSecond:N0} events/s; managed heap after each 1M events (MB): " +
                    string.Join(' ', run.HeapAfterChunk.Select(PeakMemory.Mb)) + $"; {PeakMemory.Describe(run.PeakWorkingSet, memoryStart)}");
                Print($"memory: {FlatHeap(run.HeapAfterChunk)}");
            }

            foreach (var line in figures.SummaryLines())
            {
                Print($"summary: {line}");
            }

            return 0;
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static async Task InProcessAndDuckDbAsync(EventCorpus corpus, string ndjson, PipelineFigures figures, string output, CancellationToken cancellationToken)
    {
        var inProcessStart = PeakMemory.Reset();
        var inProcess = await InProcessRun.RunAsync(corpus.Count, chunkSize: corpus.Count, Path.Combine(output, "in-process"), corpus, cancellationToken);
        Print($"in-process: {inProcess.Events} events in {inProcess.Elapsed.TotalSeconds:F2} s = {inProcess.EventsPerSecond:N0} events/s " +
            $"(of which writing files and checkpoints {inProcess.CommitTime.TotalSeconds:F2} s); " +
            $"p99 event-to-commit {inProcess.P99Latency.TotalMilliseconds:F0} ms; {inProcess.Batches} batches; {PeakMemory.Describe(inProcess.PeakWorkingSet, inProcessStart)}; " +
            $"allocated {inProcess.AllocatedBytes / (double)inProcess.Events:F0} bytes/event, GC pauses {inProcess.GcPause.TotalMilliseconds:F0} ms, {inProcess.Gen2Collections} gen2");
        figures.InProcess.Record(inProcess.EventsPerSecond);
        figures.InProcessP99.Record(inProcess.P99Latency.TotalMilliseconds);
        figures.InProcessPeak.Record(Megabytes(inProcess.PeakWorkingSet));
        var fresh = await FreshProcessRun.RunAsync(FreshProcessRun.Kind.InProcess, corpus.Count, partitions: 1, cancellationToken);
        Print($"in-process in a fresh process: {fresh.EventsPerSecond:N0} events/s (cold: its JIT included); peak working set {PeakMemory.Mb(fresh.PeakWorkingSet)} MB " +
            "(the process's whole life: the runtime, the corpus and the run)");
        figures.InProcessFreshPeak.Record(Megabytes(fresh.PeakWorkingSet));

        var duckStart = PeakMemory.Reset();
        var duck = DuckDbPeer.Run(ndjson, Path.Combine(output, "duckdb"), TimeSpan.FromSeconds(10));
        var duckPeak = PeakMemory.Read();
        var duckRate = duck.Rows / duck.Elapsed.TotalSeconds;
        Print($"duckdb batch: {duck.Rows} events in {duck.Elapsed.TotalSeconds:F2} s = {duckRate:N0} events/s ({duck.Windows} windows); " +
            $"ratio in-process/duckdb = {inProcess.EventsPerSecond / duckRate:F2}; {PeakMemory.Describe(duckPeak, duckStart)}");
        figures.DuckDb.Record(duckRate);
        figures.DuckDbPeak.Record(Megabytes(duckPeak));
        figures.InProcessOverDuckDb.Record(inProcess.EventsPerSecond / duckRate);
    }

    private static async Task ThroughBrokerAsync(EventCorpus corpus, Settings settings, PipelineFigures figures, string output, CancellationToken cancellationToken)
    {
        var partitions = settings.Partitions;
        var endToEndStart = PeakMemory.Reset();
        var endToEnd = await EndToEndRun.RunAsync(corpus, partitions, drainBacklog: false, Path.Combine(output, "end-to-end"), cancellationToken);
        Print($"end-to-end: {endToEnd.Events} events produced and processed through the broker in {endToEnd.Elapsed.TotalSeconds:F2} s = {endToEnd.EventsPerSecond:N0} events/s " +
            $"(producing took {endToEnd.ProduceElapsed.TotalSeconds:F2} s); p99 event-to-commit {endToEnd.P99LatencyMs:F0} ms; " +
            $"{PeakMemory.Describe(endToEnd.PeakWorkingSet, endToEndStart)} (broker, producer and processor in one process)");
        figures.EndToEnd.Record(endToEnd.EventsPerSecond);
        figures.EndToEndP99.Record(endToEnd.P99LatencyMs);
        figures.EndToEndPeak.Record(Megabytes(endToEnd.PeakWorkingSet));
        var fresh = await FreshProcessRun.RunAsync(FreshProcessRun.Kind.EndToEnd, corpus.Count, partitions, cancellationToken);
        Print($"end-to-end in a fresh process: {fresh.EventsPerSecond:N0} events/s (cold; {fresh.CoresBusy:F2} cores busy); peak working set {PeakMemory.Mb(fresh.PeakWorkingSet)} MB " +
            "(the process's whole life: broker, producer and processor, the corpus)");
        figures.EndToEndFreshPeak.Record(Megabytes(fresh.PeakWorkingSet));

        BareConsumerRun.Result? bare = null; // bare consumer: reads the same filled topic once the processor has drained it
        long barePeak = 0;
        var bareStart = default(PeakMemory.Start);
        var drainStart = PeakMemory.Reset();
        var drain = await EndToEndRun.RunAsync(corpus, partitions, drainBacklog: true, Path.Combine(output, "backlog"), cancellationToken,
            afterRun: async (config, topic, ct) =>
            {
                bareStart = PeakMemory.Reset(); // the broker still holds the filled topic: the bare consumer's input
                bare = await BareConsumerRun.RunAsync(config, topic, corpus.Count, ct);
                barePeak = PeakMemory.Read();
            });
        Print($"end-to-end backlog: {drain.Events} events already in the topic (produced in {drain.ProduceElapsed.TotalSeconds:F2} s) consumed, " +
            $"processed and committed in {drain.Elapsed.TotalSeconds:F2} s = {drain.EventsPerSecond:N0} events/s; {drain.CoresBusy:F2} cores busy, GC pauses {drain.GcPause.TotalMilliseconds:F0} ms ({drain.Gen2Collections} gen2); " +
            PeakMemory.Describe(drain.PeakWorkingSet, drainStart));
        figures.Drain.Record(drain.EventsPerSecond);
        figures.DrainPeak.Record(Megabytes(drain.PeakWorkingSet));

        // --- bare consumer and tracing cost ---
        Print($"bare consumer: {bare!.Events} events in {bare.Elapsed.TotalSeconds:F2} s = {bare.EventsPerSecond:N0} events/s " +
            $"(same topic after the backlog drain, the processor's consumer configuration, fresh group; first message after {bare.FirstMessage.TotalSeconds:F2} s; checksum {bare.Checksum}); " +
            $"{bare.CoresBusy:F2} cores busy; " +
            $"{PeakMemory.Describe(barePeak, bareStart)} (with the broker holding the topic)");
        Print($"ratio processor/bare consumer = {drain.EventsPerSecond / bare.EventsPerSecond:F2}");
        figures.BareConsumer.Record(bare.EventsPerSecond);
        figures.BareConsumerPeak.Record(Megabytes(barePeak));
        figures.ProcessorOverBareConsumer.Record(drain.EventsPerSecond / bare.EventsPerSecond);

        var tracing = new TracingOn(); // what "on" means: see TracingOn
        var tracedStart = PeakMemory.Reset();
        var traced = await EndToEndRun.RunAsync(corpus, partitions, drainBacklog: true, Path.Combine(output, "backlog-traced"), cancellationToken,
            configureHost: tracing.Configure);
        Print($"end-to-end backlog tracing off: {drain.EventsPerSecond:N0} events/s; tracing on: {traced.Events} events in {traced.Elapsed.TotalSeconds:F2} s = " +
            $"{traced.EventsPerSecond:N0} events/s ({tracing.Spans} spans recorded, not exported); {PeakMemory.Describe(traced.PeakWorkingSet, tracedStart)}");
        Print($"ratio tracing on/off = {traced.EventsPerSecond / drain.EventsPerSecond:F2}");
        figures.TracingOn.Record(traced.EventsPerSecond);
        figures.TracingOnPeak.Record(Megabytes(traced.PeakWorkingSet));
        figures.TracingOnOverOff.Record(traced.EventsPerSecond / drain.EventsPerSecond);
        // --- end bare consumer and tracing cost ---

        // Streamiz peer (StreamizPeer.cs): the same job by Streamiz.Kafka.Net on the same filled topic.
        var streamizStart = PeakMemory.Reset();
        var streamiz = await StreamizPeer.RunAsync(corpus, partitions, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(30), Path.Combine(output, "streamiz"), cancellationToken);
        var streamizPeak = PeakMemory.Read();
        Print($"streamiz: {StreamizPeer.Describe(streamiz)} (offsets committed after {streamiz.CommittedElapsed.TotalSeconds:F2} s; {streamiz.WindowsEmitted} closed windows to the sink topic); " +
            PeakMemory.Describe(streamizPeak, streamizStart));
        Print($"ratio processor/streamiz = {drain.EventsPerSecond / streamiz.EventsPerSecond:F2}");
        figures.Streamiz.Record(streamiz.EventsPerSecond);
        figures.StreamizPeak.Record(Megabytes(streamizPeak));
        figures.ProcessorOverStreamiz.Record(drain.EventsPerSecond / streamiz.EventsPerSecond);

        // Latency at a steady rate (SteadyRateRun.cs), with the service's own trigger interval.
        var latencyStart = PeakMemory.Reset();
        var latency = await SteadyRateRun.RunAsync(corpus, partitions, settings.LatencyRate, settings.LatencyDuration, Path.Combine(output, "latency"), cancellationToken);
        var target = PipelineFigures.LatencyTarget(latency.TriggerInterval);
        Print($"latency: {latency.Events} events produced at a steady {latency.EventsPerSecond:N0} events/s for {latency.Measured.TotalSeconds:F0} s " +
            $"(after a warm-up of {latency.WarmUpEvents} events until the processor's first commit) and consumed live through the broker; {PeakMemory.Describe(latency.PeakWorkingSet, latencyStart)}; " +
            $"p50 event-to-commit {latency.P50.TotalMilliseconds:F0} ms; p99 event-to-commit {latency.P99.TotalMilliseconds:F0} ms at {settings.LatencyRate:N0} events/s; " +
            $"target {target.Text}: {(target.IsMetBy(latency.P99.TotalMilliseconds) ? "met" : "not met")}");
        var (p50, p99, peak) = figures.Latency(latency.TriggerInterval, settings.LatencyRate);
        p50.Record(latency.P50.TotalMilliseconds);
        p99.Record(latency.P99.TotalMilliseconds);
        peak.Record(Megabytes(latency.PeakWorkingSet));
    }

    /// <summary>Whether the managed heap stayed flat over the long run, by <see cref="PipelineTargets.FlatHeapGrowth"/>.</summary>
    private static string FlatHeap(IReadOnlyList<long> heapAfterChunk)
    {
        if (heapAfterChunk.Count < 4)
        {
            return "too few chunks to judge whether the heap stays flat (at least 4M events)";
        }

        var half = heapAfterChunk.Count / 2;
        var first = heapAfterChunk.Take(half).Max();
        var second = heapAfterChunk.Skip(half).Max();
        var met = second <= first * PipelineTargets.FlatHeapGrowth;
        return string.Create(CultureInfo.InvariantCulture,
            $"largest managed heap in the first half {PeakMemory.Mb(first)} MB, in the second half {PeakMemory.Mb(second)} MB; " +
            $"target flat (second ≤ {PipelineTargets.FlatHeapGrowth:0.##} × first): {(met ? "met" : "not met")}");
    }

    private static double Megabytes(long bytes) => bytes / (1024.0 * 1024.0);

    private static void Print(string line) => Console.WriteLine("pipeline " + line);
}
