using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Microsoft.Extensions.Logging;
using Pipeline.KafkaBroker;
using Streamiz.Kafka.Net;
using Streamiz.Kafka.Net.Crosscutting;
using Streamiz.Kafka.Net.Processors;
using Streamiz.Kafka.Net.SerDes;
using Streamiz.Kafka.Net.State;
using Streamiz.Kafka.Net.Stream;
using Streamiz.Kafka.Net.Table;

namespace Pipeline.Benchmarks.Pipeline;

/// <summary>
/// Streamiz.Kafka.Net (the .NET port of Kafka Streams) doing the StreamProcessor's job on the same
/// filled topic as the backlog run: parse the JSON event, event time from its <c>ts</c> (the corpus
/// sets the Kafka timestamp to produce time, so a timestamp extractor reads the event), tumbling
/// windows per id (key = id, so no repartition) with count, sum, average, min and max in an
/// in-memory window store without a changelog, closed windows (suppressed until the window and its
/// grace end) to a sink topic, at least once. The clock starts with the streams instance and stops
/// when a peek at the source has seen every event; the time until its consumer group's committed
/// offsets cover the topic is reported too.
/// </summary>
internal static class StreamizPeer
{
    public sealed record Result(long Events, TimeSpan Elapsed, TimeSpan CommittedElapsed, TimeSpan ProduceElapsed, long WindowsEmitted)
    {
        public double EventsPerSecond => Events / Elapsed.TotalSeconds;
    }

    private const string Topic = "bench-events";
    private const string SinkTopic = "streamiz-windows";
    private const string ApplicationId = "streamiz-bench";

    /// <summary>
    /// The broker's and Streamiz's warnings (an unsupported API version, a malformed request) reach the console. One for
    /// the process: Streamiz keeps the first configuration's logger factory in a static, so a factory disposed after one
    /// run would fail the next.
    /// </summary>
    private static readonly ILoggerFactory s_loggerFactory =
        LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Warning).AddSimpleConsole(o => o.SingleLine = true));

    public static async Task<Result> RunAsync(EventCorpus corpus, int partitions, TimeSpan windowSize, TimeSpan grace, string stateDirectory, CancellationToken cancellationToken)
    {
        var loggerFactory = s_loggerFactory;
        await using var broker = await KafkaBrokerServer.StartAsync(new KafkaBrokerOptions { Port = 0, DefaultPartitions = partitions },
            loggerFactory, cancellationToken: cancellationToken);
        using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = broker.BootstrapServers }).Build())
        {
            // Streamiz does not let its clients auto-create topics: the source and the sink must
            // exist. The store and the suppression buffer have logging disabled, and grouping by the
            // existing key needs no repartition, so there are no internal topics.
            await admin.CreateTopicsAsync(
            [
                new TopicSpecification { Name = Topic, NumPartitions = partitions, ReplicationFactor = 1 },
                new TopicSpecification { Name = SinkTopic, NumPartitions = partitions, ReplicationFactor = 1 },
            ]);
        }

        var produceElapsed = EndToEndRun.Produce(corpus, broker.BootstrapServers, Topic);

        long consumed = 0;
        long windows = 0;
        var config = new StreamConfig<StringSerDes, ByteArraySerDes>
        {
            ApplicationId = ApplicationId,
            BootstrapServers = broker.BootstrapServers,
            Guarantee = ProcessingGuarantee.AT_LEAST_ONCE,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            DefaultTimestampExtractor = new EventTimeExtractor(),
            StateDir = stateDirectory,
            CommitIntervalMs = 1_000,
            NumStreamThreads = 1,
            Logger = loggerFactory,
        };

        var builder = new StreamBuilder();
        builder.Stream<string, byte[]>(Topic)
            .Peek((_, _, _) => Interlocked.Increment(ref consumed))
            .MapValues((_, json, _) => ReadValue(json))
            .GroupByKey<StringSerDes, DoubleSerDes>()
            .WindowedBy(TumblingWindowOptions.Of(windowSize, grace))
            .Aggregate<WindowAggregate>(
                () => WindowAggregate.Empty,
                (_, value, aggregate) => aggregate.Add(value),
                Materialized<string, WindowAggregate, IWindowStore<Bytes, byte[]>>
                    .Create(Stores.InMemoryWindowStore("streamiz-windows-store", windowSize + grace + windowSize, windowSize))
                    .WithKeySerdes(new StringSerDes())
                    .WithValueSerdes(new WindowAggregateSerDes())
                    .WithLoggingDisabled(),
                "streamiz-aggregate")
            .Suppress(SuppressedBuilder.UntilWindowClose<Windowed<string>, WindowAggregate>(grace, StrictBufferConfig.Unbounded().WithLoggingDisabled())
                .WithKeySerdes(new TimeWindowedSerDes<string>(new StringSerDes(), (long)windowSize.TotalMilliseconds))
                .WithValueSerdes(new WindowAggregateSerDes()))
            .ToStream()
            .Map((window, aggregate, _) =>
            {
                Interlocked.Increment(ref windows);
                return KeyValuePair.Create(window.Key, aggregate.ToJson(window.Window.StartTime));
            })
            .To<StringSerDes, StringSerDes>(SinkTopic);

        using var stream = new KafkaStream(builder.Build(), config);
        var stopwatch = Stopwatch.StartNew();
        await stream.StartAsync(cancellationToken);
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(5);
        while (Interlocked.Read(ref consumed) < corpus.Count)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Streamiz consumed {Interlocked.Read(ref consumed)} of {corpus.Count} events within 5 minutes.");
            }

            await Task.Delay(5, cancellationToken);
        }

        var elapsed = stopwatch.Elapsed;
        await WaitForCommittedAsync(broker.BootstrapServers, partitions, corpus.Count, deadline, cancellationToken);
        var committedElapsed = stopwatch.Elapsed;
        stream.Dispose();
        return new Result(corpus.Count, elapsed, committedElapsed, produceElapsed, Interlocked.Read(ref windows));
    }

    /// <summary>Polls the group's committed offsets (OffsetFetch without joining the group).</summary>
    private static async Task WaitForCommittedAsync(string bootstrapServers, int partitions, long expected, DateTime deadline, CancellationToken cancellationToken)
    {
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = bootstrapServers, GroupId = ApplicationId }).Build();
        var assignment = Enumerable.Range(0, partitions).Select(p => new TopicPartition(Topic, p)).ToList();
        while (DateTime.UtcNow < deadline)
        {
            var committed = consumer.Committed(assignment, TimeSpan.FromSeconds(10)).Sum(o => Math.Max(0, o.Offset.Value));
            if (committed >= expected)
            {
                return;
            }

            await Task.Delay(20, cancellationToken);
        }

        throw new TimeoutException("Streamiz did not commit every event's offset within 5 minutes.");
    }

    private static double ReadValue(byte[] json)
    {
        var reader = new Utf8JsonReader(json);
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.PropertyName && reader.ValueTextEquals("value"u8))
            {
                reader.Read();
                return reader.GetDouble();
            }
        }

        throw new FormatException("An event without a value.");
    }

    /// <summary>Event time: the event's <c>ts</c>, in Unix milliseconds.</summary>
    private sealed class EventTimeExtractor : ITimestampExtractor
    {
        public long Extract(ConsumeResult<object, object> record, long partitionTime)
        {
            var reader = new Utf8JsonReader((byte[])record.Message.Value);
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.PropertyName && reader.ValueTextEquals("ts"u8))
                {
                    reader.Read();
                    return reader.GetDateTimeOffset().ToUnixTimeMilliseconds();
                }
            }

            return -1; // skipped, as Kafka Streams does with a negative timestamp
        }
    }

    internal readonly record struct WindowAggregate(long Count, double Sum, double Min, double Max)
    {
        public static WindowAggregate Empty => new(0, 0, double.PositiveInfinity, double.NegativeInfinity);

        public double Average => Count == 0 ? 0 : Sum / Count;

        public WindowAggregate Add(double value) => new(Count + 1, Sum + value, Math.Min(Min, value), Math.Max(Max, value));

        public string ToJson(DateTime windowStart) => string.Create(CultureInfo.InvariantCulture,
            $"{{\"window_start\":\"{windowStart:O}\",\"count\":{Count},\"sum\":{Sum},\"avg\":{Average},\"min\":{Min},\"max\":{Max}}}");
    }

    private sealed class WindowAggregateSerDes : AbstractSerDes<WindowAggregate>
    {
        public override byte[] Serialize(WindowAggregate data, SerializationContext context)
        {
            var bytes = new byte[32];
            BinaryPrimitives.WriteInt64LittleEndian(bytes, data.Count);
            BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(8), data.Sum);
            BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(16), data.Min);
            BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(24), data.Max);
            return bytes;
        }

        public override WindowAggregate Deserialize(byte[] data, SerializationContext context) => new(
            BinaryPrimitives.ReadInt64LittleEndian(data),
            BinaryPrimitives.ReadDoubleLittleEndian(data.AsSpan(8)),
            BinaryPrimitives.ReadDoubleLittleEndian(data.AsSpan(16)),
            BinaryPrimitives.ReadDoubleLittleEndian(data.AsSpan(24)));
    }

    internal static string Describe(Result result) => string.Create(CultureInfo.InvariantCulture,
        $"{result.Events} events in {result.Elapsed.TotalSeconds:F2} s = {result.EventsPerSecond:N0} events/s");
}
