using System.Diagnostics;
using System.Diagnostics.Metrics;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Pipeline.KafkaBroker;
using Pipeline.ServiceDefaults.Kafka;
using Pipeline.StreamProcessor.Checkpointing;
using Pipeline.StreamProcessor.Extensions;
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
    public sealed record Result(long Events, TimeSpan Elapsed, TimeSpan ProduceElapsed, double P99LatencyMs, long PeakWorkingSet)
    {
        public double EventsPerSecond => Events / Elapsed.TotalSeconds;
    }

    /// <remarks>
    /// <c>configureHost</c> runs on the processor's builder before <c>AddStreamProcessor</c> (e.g. the service defaults'
    /// telemetry). <c>afterRun</c> runs once the processor has stopped, while the broker and the filled topic still exist,
    /// with the processor's own consumer configuration (as its composition resolved it) and the topic.
    /// </remarks>
    public static async Task<Result> RunAsync(EventCorpus corpus, int partitions, bool drainBacklog, string outputPath, CancellationToken cancellationToken,
        Action<WebApplicationBuilder>? configureHost = null, Func<ConsumerConfig, string, CancellationToken, Task>? afterRun = null)
    {
        await using var broker = await KafkaBrokerServer.StartAsync(new KafkaBrokerOptions { Port = 0, DefaultPartitions = partitions },
            cancellationToken: cancellationToken);
        const string Topic = "bench-events";
        using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = broker.BootstrapServers }).Build())
        {
            await admin.CreateTopicsAsync([new TopicSpecification { Name = Topic, NumPartitions = partitions, ReplicationFactor = 1 }]);
        }

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

        Directory.CreateDirectory(outputPath);
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = outputPath });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:kafka"] = broker.BootstrapServers,
            ["Pipeline:Processor:Topic"] = Topic,
            ["Pipeline:Output:OutputPath"] = outputPath,
            ["Pipeline:Output:RunId"] = "end-to-end",
            ["Pipeline:Output:TriggerInterval"] = "00:00:01",
        });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        configureHost?.Invoke(builder);
        builder.AddStreamProcessor();
        await using var processor = builder.Build();

        var produceElapsed = drainBacklog ? Produce(corpus, broker.BootstrapServers, Topic) : TimeSpan.Zero;
        var stopwatch = Stopwatch.StartNew();
        await processor.StartAsync(cancellationToken);
        if (!drainBacklog)
        {
            produceElapsed = Produce(corpus, broker.BootstrapServers, Topic);
        }

        await WaitForCheckpointsAsync(outputPath, Topic, partitions, corpus.Count, cancellationToken);
        stopwatch.Stop();
        await processor.StopAsync(cancellationToken);
        if (afterRun is not null)
        {
            await afterRun(processor.Services.GetRequiredService<ConsumerConfig>(), Topic, cancellationToken);
        }

        double p99;
        lock (latencies)
        {
            latencies.Sort();
            p99 = latencies.Count == 0 ? 0 : latencies[(int)Math.Min(latencies.Count - 1, Math.Ceiling(latencies.Count * 0.99) - 1)];
        }

        return new Result(corpus.Count, stopwatch.Elapsed, produceElapsed, p99, Process.GetCurrentProcess().PeakWorkingSet64);
    }

    internal static TimeSpan Produce(EventCorpus corpus, string bootstrapServers, string topic)
    {
        var stopwatch = Stopwatch.StartNew();
        var config = KafkaProducing.IdempotentConfig(bootstrapServers);
        config.BatchSize = 1_000_000;
        config.BatchNumMessages = 100_000;
        config.QueueBufferingMaxMessages = 1_000_000;
        config.CompressionType = CompressionType.Lz4;
        using var producer = new ProducerBuilder<string, byte[]>(config).Build();
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

    private static async Task WaitForCheckpointsAsync(string outputPath, string topic, int partitions, long expected, CancellationToken cancellationToken)
    {
        var store = new CheckpointStore(new OutputLayout(outputPath, "end-to-end"));
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(10);
        while (DateTime.UtcNow < deadline)
        {
            long covered = 0;
            for (var p = 0; p < partitions; p++)
            {
                covered += Math.Max(0, (await store.LoadAsync(topic, p, cancellationToken))?.NextOffset ?? 0);
            }

            if (covered >= expected)
            {
                return;
            }

            await Task.Delay(20, cancellationToken);
        }

        throw new TimeoutException("The processor did not commit every event within 10 minutes.");
    }
}
