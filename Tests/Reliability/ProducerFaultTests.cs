using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Pipeline.KafkaBroker;

namespace Pipeline.Tests.Reliability;

/// <summary>
/// The Producer against a broker that is not there when it starts and goes away mid-run (restarted
/// on the same port and data directory): it waits with backoff, says so, and every event it counts
/// as delivered is in the topic exactly once, in order per key.
/// </summary>
public sealed class ProducerFaultTests : IAsyncDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("pipeline-producer-faults-").FullName;
    private readonly CapturingLoggerProvider _logs = new();

    public ValueTask DisposeAsync()
    {
        _logs.Dispose();
        Directory.Delete(_root, recursive: true);
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task BrokerUnreachableAtStartAndMidRun_ProducerRetriesAndLosesNothing()
    {
        // Arrange: a port a broker bound (it asked for any) and has let go again, so nothing listens on it yet;
        // every later broker comes back on it with the same data.
        const int Events = 4000;
        const string Topic = "events";
        var brokerOptions = new KafkaBrokerOptions { Port = 0, DataDirectory = Path.Combine(_root, "kafka"), DefaultPartitions = 3 };
        brokerOptions.SeedTopics[Topic] = 3;
        await using (var first = await KafkaBrokerServer.StartAsync(brokerOptions, cancellationToken: TestContext.Current.CancellationToken))
        {
            brokerOptions.Port = first.Port;
        }

        var bootstrap = string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{brokerOptions.Port}");
        await using var producer = ServiceHosts.BuildProducer(_root, new Dictionary<string, string?>
        {
            ["ConnectionStrings:kafka"] = bootstrap,
            ["Pipeline:Producer:Topic"] = Topic,
            ["Pipeline:Producer:TotalMessages"] = Events.ToString(CultureInfo.InvariantCulture),
            ["Pipeline:Producer:MessagesPerSecond"] = "1000",
            ["Pipeline:Producer:Seed"] = "11",
            ["Pipeline:Producer:StartupBackoff"] = "00:00:00.250",
        }, services => services.AddSingleton<ILoggerProvider>(_logs));

        // Act: start with no broker; the broker appears, later goes away until the producer says so, and comes back.
        await producer.StartAsync(TestContext.Current.CancellationToken);
        await PipelineTestKit.WaitUntilAsync(() => _logs.Entries.Any(static e => e.Level == LogLevel.Warning && e.Message.Contains("is not reachable yet", StringComparison.Ordinal)),
            "the producer to say it is waiting for the broker", TimeSpan.FromSeconds(60));
        var broker = await KafkaBrokerServer.StartAsync(brokerOptions, cancellationToken: TestContext.Current.CancellationToken);
        await PipelineTestKit.WaitUntilAsync(() => Count(bootstrap, Topic) >= Events / 4, "a quarter of the events", TimeSpan.FromSeconds(60));
        var lostBefore = LostConnection();
        await broker.DisposeAsync();
        await PipelineTestKit.WaitUntilAsync(() => LostConnection() > lostBefore, "the producer to report that it lost the broker", TimeSpan.FromSeconds(60));
        broker = await KafkaBrokerServer.StartAsync(brokerOptions, cancellationToken: TestContext.Current.CancellationToken);
        await using (broker)
        {
            await PipelineTestKit.WaitUntilAsync(() => Count(bootstrap, Topic) >= Events, "every event", TimeSpan.FromSeconds(60));
            await producer.StopAsync(TestContext.Current.CancellationToken);
            var stored = PipelineTestKit.ReadAll(bootstrap, Topic, 3, TimeSpan.FromSeconds(30));

            // Assert
            Assert.Equal(Events, stored.Count); // none lost, none duplicated by the retries
            var events = stored.Select(static m => (Key: System.Text.Encoding.UTF8.GetString(m.Message.Key!), Partition: m.Partition.Value, Offset: m.Offset.Value,
                Ts: JsonDocument.Parse(m.Message.Value!).RootElement.GetProperty("ts").GetDateTimeOffset())).ToList();
            Assert.Equal(Events, events.Select(static e => (e.Key, e.Ts)).Distinct().Count());
            foreach (var key in events.GroupBy(static e => e.Key))
            {
                Assert.Single(key.Select(static e => e.Partition).Distinct()); // one partition per key
                var inLogOrder = key.OrderBy(static e => e.Offset).Select(static e => e.Ts).ToList();
                Assert.Equal(inLogOrder.Order().ToList(), inLogOrder); // the log keeps each key's order
            }
        }
    }

    private int LostConnection() =>
        _logs.Entries.Count(static e => e.Level == LogLevel.Warning && e.Message.StartsWith("Lost the connection to every Kafka broker", StringComparison.Ordinal));

    /// <summary>Records stored in the topic: the sum of its partitions' high watermarks.</summary>
    private static long Count(string bootstrap, string topic)
    {
        using var consumer = new Confluent.Kafka.ConsumerBuilder<byte[], byte[]>(new Confluent.Kafka.ConsumerConfig { BootstrapServers = bootstrap, GroupId = "count" }).Build();
        return Enumerable.Range(0, 3).Sum(p => consumer.QueryWatermarkOffsets(new Confluent.Kafka.TopicPartition(topic, p), TimeSpan.FromSeconds(5)).High.Value);
    }

}
