using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text.Json;
using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Pipeline.StreamProcessor;
using Pipeline.StreamProcessor.Checkpointing;
using Pipeline.StreamProcessor.Ingest;
using Pipeline.StreamProcessor.Processing;
using Pipeline.StreamProcessor.Sinks;
using Pipeline.StreamProcessor.Telemetry;
using Pipeline.StreamProcessor.Windowing;

namespace Pipeline.Benchmarks.Pipeline;

/// <summary>
/// The StreamProcessor's own stages in process, without Kafka: deserializer (decode) → lane
/// (windows + raw buffers) → batch commit (Parquet files, checkpoint). Generation of the next
/// chunk of events is outside the measured time.
/// </summary>
internal static class InProcessRun
{
    private static readonly Stopwatch s_commitTime = new();

    public sealed record Result(long Events, TimeSpan Elapsed, TimeSpan CommitTime, TimeSpan P99Latency, long PeakWorkingSet, IReadOnlyList<long> HeapAfterChunk, long Batches)
    {
        public double EventsPerSecond => Events / Elapsed.TotalSeconds;
    }

    public static async Task<Result> RunAsync(long totalEvents, int chunkSize, string outputPath, CancellationToken cancellationToken)
    {
        s_commitTime.Reset();
        var sinkOptions = Options.Create(new SinkOptions { OutputPath = outputPath, RunId = "in-process" });
        var layout = new OutputLayout(sinkOptions.Value);
        var windowing = new WindowingOptions();
        var time = TimeProvider.System;
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var committer = new BatchCommitter(
            new ParquetBatchWriter(layout, sinkOptions),
            new CheckpointStore(layout),
            DiscardingResultPublisher.Instance,
            new ProcessorTelemetry(services.GetRequiredService<IMeterFactory>()),
            Options.Create(new ProcessorOptions()),
            time,
            NullLogger<BatchCommitter>.Instance);
        var deserializer = new EventValueDeserializer(new EventDecoder(Options.Create(new IngestOptions())));
        var topicPartition = new TopicPartition("bench", 0);
        var lane = new PartitionLane(topicPartition, new PartitionWindows(windowing, time), -1, time.GetTimestamp());
        var maxRows = sinkOptions.Value.MaxBatchRows;
        var arrivals = new long[maxRows];
        var latency = new LatencyHistogram();
        var heap = new List<long>();
        var measured = new Stopwatch();
        long batches = 0;

        for (long first = 0; first < totalEvents; first += chunkSize)
        {
            var count = (int)Math.Min(chunkSize, totalEvents - first);
            var corpus = EventCorpus.Generate(first, count);
            measured.Start();
            for (var i = 0; i < count; i++)
            {
                var offset = first + i;
                var result = new ConsumeResult<string?, DecodedValue>
                {
                    TopicPartitionOffset = new TopicPartitionOffset(topicPartition, new Offset(offset)),
                    Message = new Message<string?, DecodedValue>
                    {
                        Key = corpus.Keys[i],
                        Value = deserializer.Deserialize(corpus.Event(i), isNull: false, default),
                        Timestamp = new Timestamp(EventCorpus.EventTime(offset)),
                    },
                };
                var now = Stopwatch.GetTimestamp();
                arrivals[lane.BatchMessages] = now;
                lane.Add(result, now);
                if (lane.BatchMessages >= maxRows)
                {
                    batches += await CommitAsync(committer, lane, arrivals, latency, measured, cancellationToken);
                }
            }

            measured.Stop();
            heap.Add(GC.GetTotalMemory(forceFullCollection: false));
        }

        measured.Start();
        batches += await CommitAsync(committer, lane, arrivals, latency, measured, cancellationToken);
        measured.Stop();
        lane.Dispose();
        return new Result(totalEvents, measured.Elapsed, s_commitTime.Elapsed, latency.Percentile(0.99), Process.GetCurrentProcess().PeakWorkingSet64, heap, batches);
    }

    private static async Task<long> CommitAsync(
        BatchCommitter committer, PartitionLane lane, long[] arrivals, LatencyHistogram latency, Stopwatch measured, CancellationToken cancellationToken)
    {
        var batch = lane.BatchMessages;
        s_commitTime.Start();
        await committer.CommitAsync(lane, consumer: null, cancellationToken);
        s_commitTime.Stop();
        var committed = Stopwatch.GetTimestamp();

        // Bookkeeping of the benchmark itself stays out of the measured time.
        measured.Stop();
        for (var j = 0; j < batch; j++)
        {
            latency.Record(Stopwatch.GetElapsedTime(arrivals[j], committed));
        }

        measured.Start();
        return 1;
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

    public void PublishRejected(ConsumeResult<string?, DecodedValue> result)
    {
    }

    public void PublishWindows(IReadOnlyList<WindowAggregate> closed)
    {
    }

    public void Flush(TimeSpan timeout)
    {
    }
}
