using System.Diagnostics;
using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Pipeline.ServiceDefaults.Kafka;
using Pipeline.StreamProcessor.Checkpointing;
using Pipeline.StreamProcessor.Sinks;
using Pipeline.StreamProcessor.Storage;

namespace Pipeline.Benchmarks.Pipeline;

/// <summary>
/// Latency at a steady rate through the embedded broker: the real StreamProcessor service, with the service's own
/// options (its default trigger interval), consumes live while the benchmark producer (the end-to-end run's settings
/// and produce loop) sends the corpus at a fixed rate, topping up a token bucket every 10 ms and producing what is
/// due in one small burst. Producing starts with the processor; the events produced before the processor's first
/// commit (the group join, the first trigger) are a warm-up, then the measured events follow for the given time.
/// An event's event-to-commit runs from its Kafka timestamp (set as it is produced) to the first poll (every 20 ms)
/// that finds its partition's checkpoint covering its offset, so it includes up to one polling period. The corpus
/// is sent from its start and wraps around if the run needs more events than it holds.
/// </summary>
internal static class SteadyRateRun
{
    private const string RunId = "latency";
    private static readonly TimeSpan s_tick = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan s_poll = TimeSpan.FromMilliseconds(20);

    public sealed record Result(long Events, TimeSpan Measured, long WarmUpEvents, TimeSpan TriggerInterval, TimeSpan P50, TimeSpan P99, long PeakWorkingSet)
    {
        public double EventsPerSecond => Events / Measured.TotalSeconds;
    }

    public static async Task<Result> RunAsync(EventCorpus corpus, int partitions, int rate, TimeSpan duration, string outputPath, CancellationToken cancellationToken)
    {
        await using var broker = await ThroughBroker.StartBrokerAsync(partitions, cancellationToken);
        await using var processor = ThroughBroker.BuildProcessor(broker.BootstrapServers, outputPath, RunId);
        var triggerInterval = processor.Services.GetRequiredService<IOptions<SinkOptions>>().Value.TriggerInterval;

        // Kafka timestamps (Unix ms) of the delivered events by partition and offset: a fresh topic, an idempotent producer.
        var produced = Enumerable.Range(0, partitions).Select(_ => new List<long>()).ToArray();
        var commits = new List<(int Partition, long NextOffset, long AtMs)>();
        var warmUpEndMs = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);

        await processor.StartAsync(cancellationToken);
        var producing = Task.Run(() => ProduceAsync(corpus, broker.BootstrapServers, rate, duration, produced, warmUpEndMs.Task, stop.Token), stop.Token);
        var store = new CheckpointStore(LocalFileStorage.ForRun(outputPath, RunId));
        var nextOffsets = new long[partitions];
        var seen = new long[partitions];
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(1) + duration + 3 * triggerInterval;
        try
        {
            while (true)
            {
                await ThroughBroker.CommittedAsync(store, nextOffsets, cancellationToken);
                var atMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                for (var p = 0; p < partitions; p++)
                {
                    if (nextOffsets[p] > seen[p])
                    {
                        commits.Add((p, nextOffsets[p], atMs));
                        seen[p] = nextOffsets[p];
                        warmUpEndMs.TrySetResult(atMs);
                    }
                }

                if (producing.IsCompleted && seen.Sum() >= await producing)
                {
                    break;
                }

                if (DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException($"The processor committed {seen.Sum()} events by the deadline (producing done: {producing.IsCompleted}).");
                }

                await Task.Delay(s_poll, cancellationToken);
            }
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAny(producing);
        }

        await processor.StopAsync(cancellationToken);
        var peakWorkingSet = PeakMemory.Read();

        // Each commit covers its partition's offsets from the previous commit's; count those produced after the warm-up.
        var warmUpEnd = await warmUpEndMs.Task;
        var histogram = new LatencyHistogram();
        long measured = 0;
        long warmUp = 0;
        var from = new long[partitions];
        foreach (var (partition, nextOffset, atMs) in commits)
        {
            for (var offset = from[partition]; offset < nextOffset; offset++)
            {
                var timestampMs = produced[partition][(int)offset];
                if (timestampMs < warmUpEnd)
                {
                    warmUp++;
                    continue;
                }

                histogram.Record(TimeSpan.FromMilliseconds(atMs - timestampMs));
                measured++;
            }

            from[partition] = nextOffset;
        }

        return new Result(measured, duration, warmUp, triggerInterval, histogram.Percentile(0.50), histogram.Percentile(0.99), peakWorkingSet);
    }

    /// <summary>Produces at <paramref name="rate"/> until the warm-up has ended and <paramref name="duration"/> has passed since; returns the events delivered.</summary>
    private static async Task<long> ProduceAsync(EventCorpus corpus, string bootstrapServers, int rate, TimeSpan duration, List<long>[] produced,
        Task<long> warmUpEndMs, CancellationToken cancellationToken)
    {
        using var producer = new ProducerBuilder<string, byte[]>(ThroughBroker.ProducerConfig(bootstrapServers)).Build();
        Exception? failure = null;
        void OnDelivery(DeliveryReport<string, byte[]> report)
        {
            if (report.Error.IsError)
            {
                failure ??= new KafkaException(report.Error);
                return;
            }

            var offsets = produced[report.Partition.Value];
            lock (offsets)
            {
                if (report.Offset.Value != offsets.Count)
                {
                    failure ??= new InvalidOperationException($"Partition {report.Partition.Value}: offset {report.Offset.Value} delivered after {offsets.Count} events.");
                }

                offsets.Add(report.Message.Timestamp.UnixTimestampMs);
            }
        }

        using var timer = new PeriodicTimer(s_tick);
        var clock = Stopwatch.StartNew();
        long sent = 0;
        TimeSpan? end = null;
        while (end is null || clock.Elapsed < end)
        {
            if (end is null && warmUpEndMs.IsCompleted)
            {
                end = clock.Elapsed + duration;
            }

            var due = (long)(clock.Elapsed.TotalSeconds * rate);
            for (; sent < due; sent++)
            {
                var i = (int)(sent % corpus.Count);
                var message = new Message<string, byte[]>
                {
                    Key = corpus.Keys[i],
                    Value = corpus.EventArray(i),
                    Timestamp = new Timestamp(DateTime.UtcNow),
                };
                producer.ProduceWithBackpressure(ThroughBroker.Topic, message, OnDelivery, s_tick, cancellationToken: cancellationToken);
            }

            await timer.WaitForNextTickAsync(cancellationToken);
        }

        if (producer.Flush(TimeSpan.FromMinutes(1)) != 0)
        {
            throw new InvalidOperationException("Not every latency event was delivered.");
        }

        return failure is null ? sent : throw failure;
    }
}
