using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Pipeline.KafkaBroker;

namespace Pipeline.Tests.KafkaBroker;

/// <summary>The data plane with the real Confluent.Kafka client: produce, fetch, offsets, admin.</summary>
public sealed class ProduceFetchTests : IAsyncLifetime
{
    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("pipeline-broker-").FullName;
    private KafkaBrokerServer _broker = null!;

    public async ValueTask InitializeAsync() =>
        _broker = await KafkaBrokerServer.StartAsync(new KafkaBrokerOptions { Port = 0, DefaultPartitions = 2 },
            cancellationToken: TestContext.Current.CancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _broker.DisposeAsync();
        Directory.Delete(_dataDirectory, recursive: true);
    }

    private static string NewTopic() => "t-" + Guid.NewGuid().ToString("N")[..10];

    [Theory]
    [InlineData(CompressionType.None)]
    [InlineData(CompressionType.Gzip)]
    [InlineData(CompressionType.Snappy)]
    [InlineData(CompressionType.Lz4)]
    [InlineData(CompressionType.Zstd)]
    public async Task ProduceThenConsume_IdempotentProducer_ReturnsEveryMessageOnceInOrder(CompressionType compression)
    {
        // Arrange
        var topic = NewTopic();
        await PipelineTestKit.CreateTopicAsync(_broker.BootstrapServers, topic, 1);
        const int Count = 5000;
        using (var producer = new ProducerBuilder<string, string>(new ProducerConfig
        {
            BootstrapServers = _broker.BootstrapServers,
            EnableIdempotence = true,
            Acks = Acks.All,
            CompressionType = compression,
            LingerMs = 2,
        }).Build())
        {
            // Act
            for (var i = 0; i < Count; i++)
            {
                producer.Produce(topic, new Message<string, string> { Key = "k" + (i % 7), Value = "v" + i });
            }

            Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));
        }

        // Assert
        var values = Consume(_broker.BootstrapServers, topic, 0, Count);
        Assert.Equal(Enumerable.Range(0, Count).Select(i => "v" + i), values.Select(r => r.Message.Value));
        Assert.Equal(Enumerable.Range(0, Count).Select(i => (long)i), values.Select(r => r.Offset.Value));
        using var consumer = NewConsumer(_broker.BootstrapServers);
        var watermarks = consumer.QueryWatermarkOffsets(new TopicPartition(topic, 0), TimeSpan.FromSeconds(10));
        Assert.Equal(0, watermarks.Low.Value);
        Assert.Equal(Count, watermarks.High.Value);
    }

    [Fact]
    public async Task Consume_SeekAndAutoOffsetReset_StartWhereAsked()
    {
        var topic = NewTopic();
        await PipelineTestKit.CreateTopicAsync(_broker.BootstrapServers, topic, 1);
        Produce(_broker.BootstrapServers, topic, Enumerable.Range(0, 10).Select(i => "m" + i));

        // Seek to an offset inside a batch: the client skips the records before it.
        using var consumer = NewConsumer(_broker.BootstrapServers);
        consumer.Assign(new TopicPartitionOffset(topic, 0, 6));
        Assert.Equal("m6", ConsumeOne(consumer).Message.Value);

        // Latest: nothing old; a new message arrives.
        using var latest = NewConsumer(_broker.BootstrapServers, AutoOffsetReset.Latest);
        latest.Assign(new TopicPartitionOffset(topic, 0, Offset.End));
        Assert.Null(latest.Consume(TimeSpan.FromSeconds(1)));
        Produce(_broker.BootstrapServers, topic, ["new"]);
        Assert.Equal("new", ConsumeOne(latest).Message.Value);
    }

    [Fact]
    public async Task OffsetsForTimes_ReturnsTheFirstOffsetAtOrAfterTheTime()
    {
        var topic = NewTopic();
        await PipelineTestKit.CreateTopicAsync(_broker.BootstrapServers, topic, 1);
        var t0 = DateTime.UtcNow.AddMinutes(-10);
        using (var producer = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = _broker.BootstrapServers, LingerMs = 0 }).Build())
        {
            for (var i = 0; i < 3; i++)
            {
                await producer.ProduceAsync(topic, new Message<Null, string> { Value = "x" + i, Timestamp = new Timestamp(t0.AddMinutes(i)) },
                    TestContext.Current.CancellationToken);
            }
        }

        using var consumer = NewConsumer(_broker.BootstrapServers);
        var result = consumer.OffsetsForTimes([new TopicPartitionTimestamp(topic, 0, new Timestamp(t0.AddSeconds(30)))], TimeSpan.FromSeconds(10));

        Assert.Equal(1, result[0].Offset.Value);
    }

    [Fact]
    public async Task Admin_CreateDescribeDelete_AndErrors()
    {
        var topic = NewTopic();
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = _broker.BootstrapServers }).Build();

        await admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = 4, ReplicationFactor = 1 }]);
        var described = admin.GetMetadata(topic, TimeSpan.FromSeconds(10)).Topics.Single();
        Assert.Equal(4, described.Partitions.Count);
        Assert.Equal(ErrorCode.NoError, described.Error.Code);

        var exists = await Assert.ThrowsAsync<CreateTopicsException>(() =>
            admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = 1 }]));
        Assert.Equal(ErrorCode.TopicAlreadyExists, exists.Results[0].Error.Code);
        var invalid = await Assert.ThrowsAsync<CreateTopicsException>(() =>
            admin.CreateTopicsAsync([new TopicSpecification { Name = "bad/name", NumPartitions = 1 }]));
        Assert.Equal(ErrorCode.TopicException, invalid.Results[0].Error.Code);

        await admin.DeleteTopicsAsync([topic]);
        Assert.DoesNotContain(admin.GetMetadata(TimeSpan.FromSeconds(10)).Topics, t => t.Topic == topic);
        var missing = await Assert.ThrowsAsync<DeleteTopicsException>(() => admin.DeleteTopicsAsync([topic]));
        Assert.Equal(ErrorCode.UnknownTopicOrPart, missing.Results[0].Error.Code);

        // The name can be used again at once.
        await admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = 1, ReplicationFactor = 1 }]);
    }

    [Fact]
    public async Task Restart_WithDataDirectory_KeepsEveryAcknowledgedMessageAndProducerState()
    {
        // Arrange
        var topic = NewTopic();
        var options = new KafkaBrokerOptions { Port = 0, DataDirectory = _dataDirectory };
        await using (var broker = await KafkaBrokerServer.StartAsync(options, cancellationToken: TestContext.Current.CancellationToken))
        {
            await PipelineTestKit.CreateTopicAsync(broker.BootstrapServers, topic, 2);
            Produce(broker.BootstrapServers, topic, Enumerable.Range(0, 1000).Select(i => "p" + i));
        }

        // Act
        await using var restarted = await KafkaBrokerServer.StartAsync(options, cancellationToken: TestContext.Current.CancellationToken);

        // Assert
        using var consumer = NewConsumer(restarted.BootstrapServers);
        var total = 0L;
        for (var p = 0; p < 2; p++)
        {
            total += consumer.QueryWatermarkOffsets(new TopicPartition(topic, p), TimeSpan.FromSeconds(10)).High.Value;
        }

        Assert.Equal(1000, total);
        var values = Consume(restarted.BootstrapServers, topic, 0, (int)consumer.QueryWatermarkOffsets(new TopicPartition(topic, 0), TimeSpan.FromSeconds(10)).High.Value)
            .Concat(Consume(restarted.BootstrapServers, topic, 1, (int)consumer.QueryWatermarkOffsets(new TopicPartition(topic, 1), TimeSpan.FromSeconds(10)).High.Value))
            .Select(r => r.Message.Value).Order(StringComparer.Ordinal);
        Assert.Equal(Enumerable.Range(0, 1000).Select(i => "p" + i).Order(StringComparer.Ordinal), values);

        // New messages continue after the old offsets.
        Produce(restarted.BootstrapServers, topic, ["after"]);
        Assert.Equal(1001, consumer.QueryWatermarkOffsets(new TopicPartition(topic, 0), TimeSpan.FromSeconds(10)).High.Value
            + consumer.QueryWatermarkOffsets(new TopicPartition(topic, 1), TimeSpan.FromSeconds(10)).High.Value);
    }

    internal static void Produce(string bootstrap, string topic, IEnumerable<string> values)
    {
        using var producer = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = bootstrap, EnableIdempotence = true, Acks = Acks.All }).Build();
        foreach (var value in values)
        {
            producer.Produce(topic, new Message<Null, string> { Value = value });
        }

        Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));
    }

    internal static IConsumer<string, string> NewConsumer(string bootstrap, AutoOffsetReset reset = AutoOffsetReset.Earliest) =>
        new ConsumerBuilder<string, string>(new ConsumerConfig
        {
            BootstrapServers = bootstrap,
            GroupId = "g-" + Guid.NewGuid().ToString("N"),
            AutoOffsetReset = reset,
            EnableAutoCommit = false,
        }).Build();

    internal static ConsumeResult<string, string> ConsumeOne(IConsumer<string, string> consumer) =>
        consumer.Consume(TimeSpan.FromSeconds(10)) ?? throw new TimeoutException("No message within 10 s.");

    private static List<ConsumeResult<string, string>> Consume(string bootstrap, string topic, int partition, int count)
    {
        using var consumer = NewConsumer(bootstrap);
        consumer.Assign(new TopicPartitionOffset(topic, partition, Offset.Beginning));
        var results = new List<ConsumeResult<string, string>>(count);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (results.Count < count && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { } result)
            {
                results.Add(result);
            }
        }

        return results;
    }
}
