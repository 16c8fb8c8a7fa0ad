using System.CommandLine;
using System.Diagnostics;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Pipeline.KafkaBroker;
using Pipeline.ServiceDefaults.Kafka;

namespace Pipeline.Benchmarks.Broker;

/// <summary>
/// <c>broker</c>: produces then consumes N records of a fixed size through the embedded broker with
/// Confluent.Kafka, and prints records/s for each direction. Broker and clients share the machine (and this
/// process), as they do in the pipeline's own runs.
/// </summary>
internal static class BrokerBenchmarkCommand
{
    public static Command Create()
    {
        var records = new Option<int>("--records") { Description = "Records to produce and then consume.", DefaultValueFactory = _ => 1_000_000 };
        var size = new Option<int>("--record-bytes") { Description = "Value size of each record.", DefaultValueFactory = _ => 100 };
        var partitions = new Option<int>("--partitions") { Description = "Partitions of the topic.", DefaultValueFactory = _ => 4 };
        var dataDir = new Option<string?>("--data-dir") { Description = "Persist the log here (default: memory only)." };
        var consumers = new Option<int>("--consumers") { Description = "Consumers reading in parallel, the partitions split between them.", DefaultValueFactory = _ => 4 };
        var compression = new Option<CompressionType>("--compression") { Description = "Producer compression.", DefaultValueFactory = _ => CompressionType.None };
        var command = new Command("broker", "Produce then consume N records through the embedded broker with Confluent.Kafka.")
        {
            records, size, partitions, consumers, dataDir, compression,
        };
        command.SetAction((result, cancellationToken) => RunAsync(
            result.GetValue(records), result.GetValue(size), result.GetValue(partitions), result.GetValue(consumers), result.GetValue(dataDir), result.GetValue(compression), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(int records, int recordBytes, int partitions, int consumers, string? dataDir, CompressionType compression, CancellationToken cancellationToken)
    {
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, .NET {Environment.Version}, librdkafka {Library.VersionString}");
        await using var broker = await KafkaBrokerServer.StartAsync(
            new KafkaBrokerOptions { Port = 0, DataDirectory = dataDir }, cancellationToken: cancellationToken);
        const string Topic = "broker-bench";
        using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = broker.BootstrapServers }).Build())
        {
            await admin.CreateTopicsAsync([new TopicSpecification { Name = Topic, NumPartitions = partitions, ReplicationFactor = 1 }]);
        }

        // Warm-up: JIT of the broker's produce and fetch paths and the client's connections; not reported.
        Produce(broker.BootstrapServers, Topic, Math.Min(records, 50_000), recordBytes, compression);
        var skip = ConsumeInParallel(broker.BootstrapServers, Topic, partitions, consumers, Math.Min(records, 50_000)).Count;

        var produced = Produce(broker.BootstrapServers, Topic, records, recordBytes, compression);
        Print("produce", records, recordBytes, produced);
        var consumed = ConsumeInParallel(broker.BootstrapServers, Topic, partitions, consumers, skip + records);
        Print($"consume ({consumers} consumer{(consumers == 1 ? "" : "s")})", records, recordBytes, consumed.Elapsed);
        return consumed.Count == skip + records ? 0 : 1;
    }

    private static TimeSpan Produce(string bootstrap, string topic, int records, int recordBytes, CompressionType compression)
    {
        var value = new byte[recordBytes];
        new Random(42).NextBytes(value);
        var config = KafkaProducing.IdempotentConfig(bootstrap);
        config.BatchSize = 1_000_000;
        config.CompressionType = compression;
        config.QueueBufferingMaxMessages = 1_000_000;
        using var producer = new ProducerBuilder<Null, byte[]>(config).Build();
        var message = new Message<Null, byte[]> { Value = value };
        var started = Stopwatch.StartNew();
        for (var i = 0; i < records; i++)
        {
            producer.ProduceWithBackpressure(topic, message, null, TimeSpan.FromMilliseconds(10));
        }

        if (producer.Flush(TimeSpan.FromMinutes(5)) != 0)
        {
            throw new InvalidOperationException("Records were still unacknowledged after 5 minutes.");
        }

        return started.Elapsed;
    }

    /// <summary>
    /// Reads the first <paramref name="records"/> records with several consumers, each owning a share of the partitions
    /// (as a consumer group would split them): librdkafka parses every fetched record on one thread per broker
    /// connection, so one consumer measures that thread, not the broker.
    /// </summary>
    private static (int Count, TimeSpan Elapsed) ConsumeInParallel(string bootstrap, string topic, int partitions, int consumers, int records)
    {
        consumers = Math.Clamp(consumers, 1, partitions);
        var progress = new Progress(records);
        var started = Stopwatch.StartNew();
        long lastRecordAt = 0;
        var total = 0;
        Parallel.For(0, consumers, new ParallelOptions { MaxDegreeOfParallelism = consumers }, index =>
        {
            var owned = Enumerable.Range(0, partitions).Where(p => p % consumers == index).ToList();
            var (count, last) = Consume(bootstrap, topic, owned, started, progress);
            Interlocked.Add(ref total, count);
            InterlockedMax(ref lastRecordAt, last.Ticks);
        });
        // Measured to the last record read, not to the consumers' idle exit.
        return (total, TimeSpan.FromTicks(lastRecordAt));
    }

    private static void InterlockedMax(ref long target, long value)
    {
        var current = Volatile.Read(ref target);
        while (value > current && Interlocked.CompareExchange(ref target, value, current) != current)
        {
            current = Volatile.Read(ref target);
        }
    }

    private static (int Count, TimeSpan LastRecordAt) Consume(string bootstrap, string topic, List<int> partitions, Stopwatch clock, Progress progress)
    {
        using var consumer = new ConsumerBuilder<Ignore, byte[]>(new ConsumerConfig
        {
            BootstrapServers = bootstrap,
            GroupId = "broker-bench-" + Guid.NewGuid().ToString("N"),
            EnableAutoCommit = false,
            FetchMaxBytes = 50 * 1024 * 1024,
            MaxPartitionFetchBytes = 10 * 1024 * 1024,
            // The .NET client copies topic, timestamp and headers of every record unless told not to: the
            // benchmark reads values only, so it measures the broker and the transport, not that marshalling.
            ConsumeResultFields = "none",
            // Keep a whole fetch queued ahead of the application, so the next fetch overlaps with consumption.
            QueuedMinMessages = 1_000_000,
        }).Build();
        consumer.Assign(partitions.Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        var count = 0;
        var lastRecordAt = TimeSpan.Zero;
        // Stops when the others have read the rest, or when the partitions run dry (1 s without a record
        // once records flowed; 30 s for the first).
        var idleSince = Stopwatch.StartNew();
        while (!progress.IsComplete && idleSince.Elapsed < (count == 0 ? TimeSpan.FromSeconds(30) : TimeSpan.FromSeconds(1)))
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(100)) is { Message: not null })
            {
                if (++count % 1024 == 0)
                {
                    progress.Add(1024);
                }

                idleSince.Restart();
                lastRecordAt = clock.Elapsed;
            }
        }

        progress.Add(count % 1024);
        return (count, lastRecordAt);
    }

    /// <summary>Records read by all consumers, shared in steps of 1024 to keep the counter off the hot path.</summary>
    private sealed class Progress(int target)
    {
        private long _read;

        public bool IsComplete => Volatile.Read(ref _read) >= target;

        public void Add(int records) => Interlocked.Add(ref _read, records);
    }

    private static void Print(string direction, int records, int recordBytes, TimeSpan elapsed) =>
        Console.WriteLine($"{direction}: {records:N0} records of {recordBytes} B in {elapsed.TotalSeconds:F2} s = " +
            $"{records / elapsed.TotalSeconds:N0} records/s ({records * (double)recordBytes / elapsed.TotalSeconds / (1024 * 1024):F1} MB/s)");
}
