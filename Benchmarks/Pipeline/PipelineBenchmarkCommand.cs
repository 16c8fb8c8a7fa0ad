using System.CommandLine;
using System.Globalization;

namespace Pipeline.Benchmarks.Pipeline;

/// <summary>
/// <c>pipeline</c>: the StreamProcessor's stages in process, end to end through the broker, and
/// DuckDB doing the same work in batch on the same events, with the raw ceiling for scale.
/// </summary>
internal static class PipelineBenchmarkCommand
{
    public static Command Create()
    {
        var events = new Option<int>("--events") { Description = "Events for the in-process, end-to-end and DuckDB runs.", DefaultValueFactory = _ => 1_000_000 };
        var memoryEvents = new Option<long>("--memory-events") { Description = "Events of the long in-process run that checks memory stays flat (0 skips it).", DefaultValueFactory = _ => 0 };
        var partitions = new Option<int>("--partitions") { Description = "Partitions of the end-to-end topic.", DefaultValueFactory = _ => 4 };
        var skipEndToEnd = new Option<bool>("--skip-end-to-end") { Description = "Only the in-process and DuckDB runs." };
        var command = new Command("pipeline", "Decode → windows → Parquet: in process, end to end, and DuckDB in batch.")
        {
            events, memoryEvents, partitions, skipEndToEnd,
        };
        command.SetAction((result, cancellationToken) => RunAsync(
            result.GetValue(events), result.GetValue(memoryEvents), result.GetValue(partitions), result.GetValue(skipEndToEnd), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(int events, long memoryEvents, int partitions, bool skipEndToEnd, CancellationToken cancellationToken)
    {
        var root = Directory.CreateTempSubdirectory("pipeline-bench-").FullName;
        try
        {
            Print($"machine: {Environment.ProcessorCount} cores, .NET {Environment.Version}, server GC {System.Runtime.GCSettings.IsServerGC}");
            var corpus = EventCorpus.Generate(0, events);
            Print($"corpus: {events} events, {corpus.TotalBytes / (double)events:F1} bytes each, e.g. {corpus}");

            var (touch, tokenize) = InProcessRun.MeasureCeilings(corpus);
            Print($"ceiling: touch every byte {touch:N0} events/s; tokenize JSON {tokenize:N0} events/s");

            await StageCosts.MeasureAsync(corpus, Path.Combine(root, "stages-warm-up"), cancellationToken);
            var stages = await StageCosts.MeasureAsync(corpus, Path.Combine(root, "stages"), cancellationToken);
            Print($"stages alone: decode {stages.DecodePerSecond:N0} events/s; windows {stages.WindowsPerSecond:N0} events/s; " +
                $"raw buffer {stages.BufferPerSecond:N0} events/s; Parquet {stages.ParquetRowsPerSecond:N0} rows/s ({stages.Files} files, {Environment.ProcessorCount} cores)");

            // Warm-up (JIT of the decoder, windows and Parquet encoders), not reported.
            await InProcessRun.RunAsync(Math.Min(events, 600_000), chunkSize: Math.Min(events, 600_000), Path.Combine(root, "warm-up"), cancellationToken);
            var inProcess = await InProcessRun.RunAsync(events, chunkSize: events, Path.Combine(root, "in-process"), cancellationToken);
            Print($"in-process: {inProcess.Events} events in {inProcess.Elapsed.TotalSeconds:F2} s = {inProcess.EventsPerSecond:N0} events/s " +
                $"(of which writing files and checkpoints {inProcess.CommitTime.TotalSeconds:F2} s); " +
                $"p99 event-to-commit {inProcess.P99Latency.TotalMilliseconds:F0} ms; {inProcess.Batches} batches; peak working set {Mb(inProcess.PeakWorkingSet)} MB; " +
                $"allocated {inProcess.AllocatedBytes / (double)inProcess.Events:F0} bytes/event, GC pauses {inProcess.GcPause.TotalMilliseconds:F0} ms, {inProcess.Gen2Collections} gen2");

            var ndjson = Path.Combine(root, "events.ndjson");
            await using (var file = File.Create(ndjson))
            {
                corpus.WriteNdjson(file);
            }

            var duck = DuckDbPeer.Run(ndjson, Path.Combine(root, "duckdb"), TimeSpan.FromSeconds(10));
            var duckRate = duck.Rows / duck.Elapsed.TotalSeconds;
            Print($"duckdb batch: {duck.Rows} events in {duck.Elapsed.TotalSeconds:F2} s = {duckRate:N0} events/s ({duck.Windows} windows); " +
                $"ratio in-process/duckdb = {inProcess.EventsPerSecond / duckRate:F2}");

            if (!skipEndToEnd)
            {
                var endToEnd = await EndToEndRun.RunAsync(corpus, partitions, drainBacklog: false, Path.Combine(root, "end-to-end"), cancellationToken);
                Print($"end-to-end: {endToEnd.Events} events produced and processed through the broker in {endToEnd.Elapsed.TotalSeconds:F2} s = {endToEnd.EventsPerSecond:N0} events/s " +
                    $"(producing took {endToEnd.ProduceElapsed.TotalSeconds:F2} s); p99 event-to-commit {endToEnd.P99LatencyMs:F0} ms; " +
                    $"peak working set {Mb(endToEnd.PeakWorkingSet)} MB (broker, producer and processor in one process)");
                BareConsumerRun.Result? bare = null; // bare consumer: reads the same filled topic once the processor has drained it
                var drain = await EndToEndRun.RunAsync(corpus, partitions, drainBacklog: true, Path.Combine(root, "backlog"), cancellationToken,
                    afterRun: async (config, topic, ct) => bare = await BareConsumerRun.RunAsync(config, topic, corpus.Count, ct));
                Print($"end-to-end backlog: {drain.Events} events already in the topic (produced in {drain.ProduceElapsed.TotalSeconds:F2} s) consumed, " +
                    $"processed and committed in {drain.Elapsed.TotalSeconds:F2} s = {drain.EventsPerSecond:N0} events/s; peak working set {Mb(drain.PeakWorkingSet)} MB");

                // --- bare consumer and tracing cost ---
                Print($"bare consumer: {bare!.Events} events in {bare.Elapsed.TotalSeconds:F2} s = {bare.EventsPerSecond:N0} events/s " +
                    $"(same topic after the backlog drain, the processor's consumer configuration, fresh group; first message after {bare.FirstMessage.TotalSeconds:F2} s; checksum {bare.Checksum})");
                Print($"ratio processor/bare consumer = {drain.EventsPerSecond / bare.EventsPerSecond:F2}");
                var tracing = new TracingOn(); // what "on" means: see TracingOn
                var traced = await EndToEndRun.RunAsync(corpus, partitions, drainBacklog: true, Path.Combine(root, "backlog-traced"), cancellationToken,
                    configureHost: tracing.Configure);
                Print($"end-to-end backlog tracing off: {drain.EventsPerSecond:N0} events/s; tracing on: {traced.Events} events in {traced.Elapsed.TotalSeconds:F2} s = " +
                    $"{traced.EventsPerSecond:N0} events/s ({tracing.Spans} spans recorded, not exported)");
                Print($"ratio tracing on/off = {traced.EventsPerSecond / drain.EventsPerSecond:F2}");
                // --- end bare consumer and tracing cost ---
                // Streamiz peer (StreamizPeer.cs): the same job by Streamiz.Kafka.Net on the same filled topic.
                var streamiz = await StreamizPeer.RunAsync(corpus, partitions, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(30), Path.Combine(root, "streamiz"), cancellationToken);
                Print($"streamiz: {StreamizPeer.Describe(streamiz)} (offsets committed after {streamiz.CommittedElapsed.TotalSeconds:F2} s; {streamiz.WindowsEmitted} closed windows to the sink topic)");
                Print($"ratio processor/streamiz = {drain.EventsPerSecond / streamiz.EventsPerSecond:F2}");
            }

            if (memoryEvents > 0)
            {
                var run = await InProcessRun.RunAsync(memoryEvents, chunkSize: 1_000_000, Path.Combine(root, "memory"), cancellationToken);
                Print($"memory: {run.Events} events at {run.EventsPerSecond:N0} events/s; managed heap after each 1M events (MB): " +
                    string.Join(' ', run.HeapAfterChunk.Select(Mb)) + $"; peak working set {Mb(run.PeakWorkingSet)} MB");
            }

            return 0;
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static string Mb(long bytes) => (bytes / (1024.0 * 1024.0)).ToString("F0", CultureInfo.InvariantCulture);

    private static void Print(string line) => Console.WriteLine("pipeline " + line);
}
