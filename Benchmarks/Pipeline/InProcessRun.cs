using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Numerics;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Pipeline.StreamProcessor;
using Pipeline.StreamProcessor.Extensions;
using Pipeline.StreamProcessor.Kafka;
using Pipeline.StreamProcessor.Processing;
using Pipeline.StreamProcessor.Sinks;
using Pipeline.StreamProcessor.Telemetry;
using Pipeline.StreamProcessor.Windowing;

namespace Pipeline.Benchmarks.Pipeline;

/// <summary>
/// The StreamProcessor's own engine in process, composed by the service's <c>AddStreamProcessor</c>, with an
/// in-memory source in Kafka's place: deserializer (decode) → engine (lanes, triggers) → batch commit (Parquet
/// files, checkpoint, offset hint). Dead letters and windows are discarded. Generation of the next chunk of
/// events is outside the measured time, and so is the benchmark's own latency bookkeeping.
/// </summary>
internal static class InProcessRun
{
    public sealed record Result(long Events, TimeSpan Elapsed, TimeSpan CommitTime, TimeSpan P99Latency, long PeakWorkingSet, IReadOnlyList<long> HeapAfterChunk, long Batches,
        long AllocatedBytes, TimeSpan GcPause, int Gen2Collections)
    {
        public double EventsPerSecond => Events / Elapsed.TotalSeconds;
    }

    /// <remarks>
    /// <paramref name="firstChunk"/>: the first chunk's events if the caller holds them already (events 0 .. chunkSize − 1),
    /// so the run's input is not generated, and held, twice.
    /// </remarks>
    /// <paramref name="settings"/> override the service's configuration (e.g. <c>ConnectionStrings:output</c> for blob output).
    public static async Task<Result> RunAsync(long totalEvents, int chunkSize, string outputPath, EventCorpus? firstChunk, CancellationToken cancellationToken,
        IReadOnlyDictionary<string, string?>? settings = null)
    {
        using var host = BuildHost(outputPath, "in-process", settings);
        var services = host.Services;
        var engine = services.GetRequiredService<ProcessingEngine>();
        var telemetry = services.GetRequiredService<ProcessorTelemetry>();

        // Commit time and batches as the engine reports them (pipeline.batch.duration).
        double commitMilliseconds = 0;
        long batches = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument, telemetry.BatchDuration))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<double>((_, milliseconds, _, _) =>
        {
            commitMilliseconds += milliseconds;
            batches++;
        });
        listener.Start();

        await engine.PrepareAsync(cancellationToken);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var source = new InMemorySource(engine, services.GetRequiredService<EventValueDeserializer>(), totalEvents, chunkSize,
            services.GetRequiredService<IOptions<SinkOptions>>().Value.MaxBatchRows, stop,
            firstChunk is { FirstIndex: 0 } && firstChunk.Count == Math.Min(chunkSize, totalEvents) ? firstChunk : null);
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var pauseBefore = GC.GetTotalPauseDuration();
        var gen2Before = GC.CollectionCount(2);
        source.Measured.Start();
        await engine.RunAsync(source, stop.Token);
        source.Measured.Stop();
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore - source.CorpusBytesAllocated;
        cancellationToken.ThrowIfCancellationRequested();
        return new Result(totalEvents, source.Measured.Elapsed, TimeSpan.FromMilliseconds(commitMilliseconds), source.Latency.Percentile(0.99),
            PeakMemory.Read(), source.HeapAfterChunk, batches,
            allocated, GC.GetTotalPauseDuration() - pauseBefore, GC.CollectionCount(2) - gen2Before);
    }

    /// <summary>The service's own composition (<c>AddStreamProcessor</c>) with dead letters and windows discarded.</summary>
    public static IHost BuildHost(string outputPath, string runId, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [$"{SinkOptions.SectionName}:{nameof(SinkOptions.OutputPath)}"] = outputPath,
            [$"{SinkOptions.SectionName}:{nameof(SinkOptions.RunId)}"] = runId,
            [$"{ProcessorOptions.SectionName}:{nameof(ProcessorOptions.Topic)}"] = "bench",
            // Never connected to: the engine is driven without the worker and its Kafka clients.
            ["ConnectionStrings:kafka"] = "127.0.0.1:1",
        });
        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }

        builder.Logging.ClearProviders();
        builder.Services.AddMetrics();
        builder.AddStreamProcessor();
        builder.Services.Replace(ServiceDescriptor.Singleton<IResultPublisher>(DiscardingResultPublisher.Instance));
        return builder.Build();
    }

    /// <summary>
    /// One partition holding the corpus, delivered as fast as the engine takes it; the run stops once it is
    /// all delivered (the engine then commits the last batch, as on a shutdown).
    /// </summary>
    private sealed class InMemorySource(
        ProcessingEngine engine, EventValueDeserializer deserializer, long totalEvents, int chunkSize, int maxBatchRows, CancellationTokenSource stop,
        EventCorpus? firstChunk)
        : IMessageSource
    {
        private readonly long[] _arrivals = new long[(int)BitOperations.RoundUpToPowerOf2((uint)(maxBatchRows + 4 * ProcessingEngine.TriggerCheckEvery))];
        private EventCorpus? _corpus = firstChunk;
        private bool _assigned;
        private long _next;
        private long _committed;

        public Stopwatch Measured { get; } = new();

        public LatencyHistogram Latency { get; } = new();

        public List<long> HeapAfterChunk { get; } = [];

        /// <summary>What generating the corpus allocated: the benchmark's input, not the engine's work.</summary>
        public long CorpusBytesAllocated { get; private set; }

        public bool TryReceive(TimeSpan timeout, out SourceMessage message)
        {
            message = default;
            if (!_assigned)
            {
                _assigned = true;
                engine.AssignAsync([0]).GetAwaiter().GetResult();
            }

            if (_next >= totalEvents)
            {
                stop.Cancel();
                return false;
            }

            if (_corpus is null || _next - _corpus.FirstIndex >= _corpus.Count)
            {
                Measured.Stop();
                if (_corpus is not null)
                {
                    HeapAfterChunk.Add(GC.GetTotalMemory(forceFullCollection: false));
                }

                var before = GC.GetTotalAllocatedBytes(precise: true);
                _corpus = EventCorpus.Generate(_next, (int)Math.Min(chunkSize, totalEvents - _next));
                CorpusBytesAllocated += GC.GetTotalAllocatedBytes(precise: true) - before;
                Measured.Start();
            }

            var i = (int)(_next - _corpus.FirstIndex);
            message = new SourceMessage(0, _next, EventCorpus.EventTime(_next).UtcDateTime, _corpus.Keys[i],
                deserializer.Deserialize(_corpus.Event(i), isNull: false, default));
            _arrivals[_next & (_arrivals.Length - 1)] = Stopwatch.GetTimestamp();
            _next++;
            return true;
        }

        public LogOffsets? QueryOffsets(int partition, TimeSpan timeout) => new LogOffsets(0, _next);

        public void Pause()
        {
        }

        public void Resume()
        {
        }

        public void Pause(int partition)
        {
        }

        public void Resume(int partition)
        {
        }

        public void Commit(int partition, long nextOffset)
        {
            var committed = Stopwatch.GetTimestamp();
            Measured.Stop();
            for (; _committed < nextOffset; _committed++)
            {
                Latency.Record(Stopwatch.GetElapsedTime(_arrivals[_committed & (_arrivals.Length - 1)], committed));
            }

            Measured.Start();
        }

        public void Close()
        {
            HeapAfterChunk.Add(GC.GetTotalMemory(forceFullCollection: false));
            engine.RevokeAsync([0]).GetAwaiter().GetResult();
        }
    }

    /// <summary>The raw ceiling: touching every byte (a checksum) and tokenizing the JSON, nothing else.</summary>
    public static (double BytesPerEventCeiling, double TokenizeCeiling) MeasureCeilings(EventCorpus corpus)
    {
        var stopwatch = Stopwatch.StartNew();
        long checksum = 0;
        for (var i = 0; i < corpus.Count; i++)
        {
            foreach (var b in corpus.Event(i))
            {
                checksum += b;
            }
        }

        var touch = corpus.Count / stopwatch.Elapsed.TotalSeconds;
        stopwatch.Restart();
        long tokens = 0;
        for (var i = 0; i < corpus.Count; i++)
        {
            var reader = new Utf8JsonReader(corpus.Event(i));
            while (reader.Read())
            {
                tokens++;
            }
        }

        var tokenize = corpus.Count / stopwatch.Elapsed.TotalSeconds;
        GC.KeepAlive(checksum + tokens);
        return (touch, tokenize);
    }
}

/// <summary>Drops dead letters and windows: the in-process run measures the stages, not a topic.</summary>
internal sealed class DiscardingResultPublisher : IResultPublisher
{
    public static readonly DiscardingResultPublisher Instance = new();

    public void PublishRejected(in SourceMessage message)
    {
    }

    public long PublishWindows(int partition, IReadOnlyList<WindowAggregate> closed) => 0;

    public bool TryConfirm(int partition, long mark, TimeSpan wait) => true;

    public void Forget(int partition)
    {
    }
}
