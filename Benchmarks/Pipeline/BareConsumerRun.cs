using System.Diagnostics;
using Confluent.Kafka;

namespace Pipeline.Benchmarks.Pipeline;

/// <summary>
/// The client's own ceiling under the processor: a Confluent consumer with the processor's consumer configuration
/// (the one its composition resolved: fetch sizes, queued minimum, <c>ConsumeResultFields</c>, …) in a fresh group,
/// subscribed to the topic the backlog run filled and the processor drained, reading it from the beginning and doing
/// nothing with each message but adding one byte of its value to a checksum (a deserializer over the client's span:
/// no copy, no decode). The clock runs from <c>Subscribe</c> (so the group join is in it, as it is in the processor's
/// drain) until every message has been read.
/// </summary>
internal static class BareConsumerRun
{
    public sealed record Result(long Events, TimeSpan Elapsed, TimeSpan FirstMessage, long Checksum, double CoresBusy)
    {
        public double EventsPerSecond => Events / Elapsed.TotalSeconds;
    }

    public static Task<Result> RunAsync(ConsumerConfig processorConfig, string topic, long expected, CancellationToken cancellationToken) =>
        // Consume blocks: off the caller's thread, as the processor's worker loop is.
        Task.Factory.StartNew(() => Drain(processorConfig, topic, expected, cancellationToken), cancellationToken,
            TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private static Result Drain(ConsumerConfig processorConfig, string topic, long expected, CancellationToken cancellationToken)
    {
        var config = new ConsumerConfig(processorConfig.ToDictionary(static kv => kv.Key, static kv => kv.Value))
        {
            GroupId = "bench-bare-consumer-" + Guid.NewGuid().ToString("N"),
            ClientId = "bench-bare-consumer",
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
        };
        using var consumer = new ConsumerBuilder<Ignore, byte>(config).SetValueDeserializer(FirstByte.Instance).Build();
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(10);
        long read = 0;
        long checksum = 0;
        var firstMessage = TimeSpan.Zero;
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var stopwatch = Stopwatch.StartNew();
        consumer.Subscribe(topic);
        while (read < expected)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var result = consumer.Consume(TimeSpan.FromMilliseconds(100));
            if (result is { IsPartitionEOF: false, Message: { } message })
            {
                if (read == 0)
                {
                    firstMessage = stopwatch.Elapsed;
                }

                checksum += message.Value;
                read++;
            }
            else if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The bare consumer read {read} of {expected} messages within 10 minutes.");
            }
        }

        stopwatch.Stop();
        var coresBusy = (Process.GetCurrentProcess().TotalProcessorTime - cpu) / stopwatch.Elapsed;
        consumer.Close();
        return new Result(read, stopwatch.Elapsed, firstMessage, checksum, coresBusy);
    }

    /// <summary>The value's first byte, read from the client's buffer: touches every value, copies none.</summary>
    private sealed class FirstByte : IDeserializer<byte>
    {
        public static readonly FirstByte Instance = new();

        public byte Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context) => isNull || data.IsEmpty ? (byte)0 : data[0];
    }
}
