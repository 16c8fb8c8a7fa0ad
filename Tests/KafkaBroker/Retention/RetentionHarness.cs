using System.Globalization;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Microsoft.Extensions.Time.Testing;
using Pipeline.KafkaBroker;
using Pipeline.KafkaBroker.Storage;

namespace Pipeline.Tests.KafkaBroker.Retention;

/// <summary>
/// An embedded broker on a fake clock with its log in a temporary folder, one topic, and a producer that writes one
/// batch per message with the timestamp asked. Segments of the minimum size hold one batch each, so every test knows
/// its segment boundaries: offset n is segment n. Retention runs only when a test advances the clock by
/// <see cref="CheckInterval"/>, on the test's thread.
/// </summary>
internal sealed class RetentionHarness : IAsyncDisposable
{
    public static readonly TimeSpan CheckInterval = TimeSpan.FromMinutes(1);
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("pipeline-retention-");
    private readonly Action<KafkaBrokerOptions> _configure;
    private IProducer<Null, string>? _producer;

    private RetentionHarness(Action<KafkaBrokerOptions> configure) => _configure = configure;

    /// <summary>The broker's clock: starts at the real time (records carry real-looking timestamps), moves only when told.</summary>
    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));

    public string Topic { get; } = "retention-" + Guid.NewGuid().ToString("N")[..10];

    public KafkaBrokerServer Broker { get; private set; } = null!;

    /// <summary>Starts the broker and creates the topic, with <paramref name="topicConfigs"/> when given (CreateTopics configs).</summary>
    public static async Task<RetentionHarness> StartAsync(
        Action<KafkaBrokerOptions> configure, int partitions, CancellationToken cancellationToken, Dictionary<string, string>? topicConfigs = null)
    {
        var harness = new RetentionHarness(configure);
        await harness.StartBrokerAsync(cancellationToken);
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = harness.Broker.BootstrapServers }).Build();
        await admin.CreateTopicsAsync(
            [new TopicSpecification { Name = harness.Topic, NumPartitions = partitions, ReplicationFactor = 1, Configs = topicConfigs }]);
        return harness;
    }

    /// <summary>Stops the broker and starts it again on the same data folder and clock.</summary>
    public async Task RestartAsync(CancellationToken cancellationToken)
    {
        _producer?.Dispose();
        _producer = null;
        await Broker.DisposeAsync();
        await StartBrokerAsync(cancellationToken);
    }

    /// <summary>Produces <paramref name="count"/> equal-sized messages one at a time (one batch, hence one segment, each), stamped <paramref name="age"/> before the clock's now.</summary>
    public async Task ProduceAsync(int count, TimeSpan age, int partition = 0)
    {
        _producer ??= new ProducerBuilder<Null, string>(new ProducerConfig
        {
            BootstrapServers = Broker.BootstrapServers,
            Acks = Acks.All,
            LingerMs = 0,
            MessageTimeoutMs = 30_000,
        }).Build();
        var timestamp = new Timestamp(Clock.GetUtcNow() - age);
        for (var i = 0; i < count; i++)
        {
            await _producer.ProduceAsync(
                new TopicPartition(Topic, partition),
                new Message<Null, string> { Value = "message-" + i.ToString("D6", CultureInfo.InvariantCulture), Timestamp = timestamp },
                TestContext.Current.CancellationToken);
        }
    }

    /// <summary>Moves the clock by one check interval: the broker's retention pass runs before this returns.</summary>
    public void RunRetentionCheck() => Clock.Advance(CheckInterval);

    public PartitionLog Partition(int partition = 0) =>
        Broker.Context.Topics.TryGet(Topic, out var topic) ? topic.Partitions[partition] : throw new InvalidOperationException($"No topic {Topic}.");

    /// <summary>The partition's segment files on disk, oldest first.</summary>
    public IReadOnlyList<string> SegmentFiles(int partition = 0) =>
        [.. Directory.GetFiles(Path.Combine(_data.FullName, "topics", Topic, partition.ToString(CultureInfo.InvariantCulture)), "*.log")
            .Select(Path.GetFileName)
            .Order(StringComparer.Ordinal)!];

    /// <summary>What a Confluent client sees: ListOffsets EARLIEST (low) and LATEST (high).</summary>
    public WatermarkOffsets QueryWatermarks(int partition = 0)
    {
        using var consumer = NewConsumer(AutoOffsetReset.Error);
        return consumer.QueryWatermarkOffsets(new TopicPartition(Topic, partition), TimeSpan.FromSeconds(10));
    }

    public IConsumer<Null, string> NewConsumer(AutoOffsetReset reset) =>
        new ConsumerBuilder<Null, string>(new ConsumerConfig
        {
            BootstrapServers = Broker.BootstrapServers,
            GroupId = "g-" + Guid.NewGuid().ToString("N"),
            AutoOffsetReset = reset,
            EnableAutoCommit = false,
        }).Build();

    public async ValueTask DisposeAsync()
    {
        _producer?.Dispose();
        await Broker.DisposeAsync();
        _data.Delete(recursive: true);
    }

    private async Task StartBrokerAsync(CancellationToken cancellationToken)
    {
        var options = new KafkaBrokerOptions
        {
            Port = 0,
            DataDirectory = _data.FullName,
            SegmentBytes = KafkaBrokerOptions.MinSegmentBytes,
            RetentionCheckInterval = CheckInterval,
        };
        _configure(options);
        Broker = await KafkaBrokerServer.StartAsync(options, timeProvider: Clock, cancellationToken: cancellationToken);
    }
}
