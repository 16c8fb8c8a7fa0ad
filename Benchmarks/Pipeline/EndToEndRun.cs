using System.Diagnostics;
using System.Diagnostics.Metrics;
using Confluent.Kafka;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.ServiceDefaults.Kafka;
using Pipeline.StreamProcessor.Checkpointing;
using Pipeline.StreamProcessor.Sinks;
using Pipeline.StreamProcessor.Telemetry;

namespace Pipeline.Benchmarks.Pipeline;

/// <summary>
/// End to end through the embedded broker with the real clients: a Confluent producer publishes the
/// events as fast as it can while the real StreamProcessor service consumes them; the run ends when
/// the checkpoints cover every offset. Latency is the processor's own event-to-commit histogram
/// (Kafka timestamp of the oldest event of a batch → its commit).
/// With <c>drainBacklog</c>, the topic is filled first and the clock starts when the processor does:
/// the processor's own rate through the broker, without the producer sharing the two cores.
/// </summary>
internal static class EndToEndRun
{
    private const string RunId = "end-to-end";

    public sealed record Result(long Events, TimeSpan Elapsed, TimeSpan ProduceElapsed, double P99LatencyMs, long PeakWorkingSet, double CoresBusy, TimeSpan GcPause, int Gen2Collections)
    {
        public double EventsPerSecond => Events / Elapsed.TotalSeconds;
    }

    /// <remarks>
    /// <c>configureHost</c> runs on the processor's builder before <c>AddStreamProcessor</c> (e.g. the service defaults'
    /// telemetry). <c>afterRun</c> runs once the processor has stopped (and the run's peak working set has been read),
    /// while the broker and the filled topic still exist, with the processor's own consumer configuration (as its
    /// composition resolved it) and the topic.
    /// </remarks>
    public static async Task<Result> RunAsync(EventCorpus corpus, int partitions, bool drainBacklog, string outputPath, CancellationToken cancellationToken,
        Action<WebApplicationBuilder>? configureHost = null, Func<ConsumerConfig, string, CancellationToken, Task>? afterRun = null,
        IReadOnlyDictionary<string, string?>? settings = null)
    {
        await using var broker = await ThroughBroker.StartBrokerAsync(partitions, cancellationToken);

        var latencies = new List<double>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == ProcessorTelemetry.Name && instrument.Name == ProcessorTelemetryNames.Instruments.CommitLatency)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<double>((_, value, _, _) =>
        {
            lock (latencies)
            {
                latencies.Add(value);
            }
        });
        listener.Start();

        var processorSettings = new Dictionary<string, string?> { [$"{SinkOptions.SectionName}:{nameof(SinkOptions.TriggerInterval)}"] = "00:00:01" };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            processorSettings[key] = value;
        }

        await using var processor = ThroughBroker.BuildProcessor(broker.BootstrapServers, outputPath, RunId, processorSettings, configureHost);

        var produceElapsed = drainBacklog ? Produce(corpus, broker.BootstrapServers, ThroughBroker.Topic) : TimeSpan.Zero;
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var pause = GC.GetTotalPauseDuration();
        var gen2 = GC.CollectionCount(2);
        var stopwatch = Stopwatch.StartNew();
        await processor.StartAsync(cancellationToken);
        if (!drainBacklog)
        {
            produceElapsed = Produce(corpus, broker.BootstrapServers, ThroughBroker.Topic);
        }

        await WaitForCheckpointsAsync(processor.Services.GetRequiredService<CheckpointStore>(), partitions, corpus.Count, cancellationToken);
        stopwatch.Stop();
        var coresBusy = (Process.GetCurrentProcess().TotalProcessorTime - cpu) / stopwatch.Elapsed;
        pause = GC.GetTotalPauseDuration() - pause;
        gen2 = GC.CollectionCount(2) - gen2;
        await processor.StopAsync(cancellationToken);
        var peakWorkingSet = PeakMemory.Read();
        if (afterRun is not null)
        {
            await afterRun(processor.Services.GetRequiredService<ConsumerConfig>(), ThroughBroker.Topic, cancellationToken);
        }

        double p99;
        lock (latencies)
        {
            latencies.Sort();
            p99 = latencies.Count == 0 ? 0 : latencies[(int)Math.Min(latencies.Count - 1, Math.Ceiling(latencies.Count * 0.99) - 1)];
        }

        return new Result(corpus.Count, stopwatch.Elapsed, produceElapsed, p99, peakWorkingSet, coresBusy, pause, gen2);
    }

    internal static TimeSpan Produce(EventCorpus corpus, string bootstrapServers, string topic)
    {
        var stopwatch = Stopwatch.StartNew();
        using var producer = new ProducerBuilder<string, byte[]>(ThroughBroker.ProducerConfig(bootstrapServers)).Build();
        for (var i = 0; i < corpus.Count; i++)
        {
            var message = new Message<string, byte[]>
            {
                Key = corpus.Keys[i],
                Value = corpus.EventArray(i),
                Timestamp = new Timestamp(DateTime.UtcNow),
            };
            producer.ProduceWithBackpressure(topic, message, null, TimeSpan.FromMilliseconds(10));
        }

        if (producer.Flush(TimeSpan.FromMinutes(2)) != 0)
        {
            throw new InvalidOperationException("Not every benchmark event was delivered.");
        }

        return stopwatch.Elapsed;
    }

    /// <summary>Waits on the processor's own checkpoint store, so a run in blob storage is watched where it is written.</summary>
    private static async Task WaitForCheckpointsAsync(CheckpointStore store, int partitions, long expected, CancellationToken cancellationToken)
    {
        var nextOffsets = new long[partitions];
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(10);
        while (DateTime.UtcNow < deadline)
        {
            await ThroughBroker.CommittedAsync(store, nextOffsets, cancellationToken);
            if (nextOffsets.Sum() >= expected)
            {
                return;
            }

            await Task.Delay(20, cancellationToken);
        }

        throw new TimeoutException("The processor did not commit every event within 10 minutes.");
    }
}
