using Confluent.Kafka;

namespace Pipeline.Tests.MockCluster;

/// <summary>
/// The mock cluster fixture itself, through the Confluent.Kafka clients the pipeline uses: three brokers with the
/// leaders spread, a leader move the clients follow, a broker down whose partitions become unavailable and come back.
/// </summary>
public sealed class MockKafkaClusterTests : IAsyncLifetime
{
    private const string Topic = "mock-selftest";
    private const int Partitions = 3;
    private MockKafkaCluster _cluster = null!;

    public ValueTask InitializeAsync()
    {
        _cluster = MockKafkaCluster.Start();
        _cluster.CreateTopic(Topic, Partitions, replicationFactor: 3);
        _cluster.SpreadLeaders(Topic, Partitions);
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync() => _cluster.DisposeAsync();

    [Fact]
    public async Task RoundTrip_LeadersSpreadOverThreeBrokers_EveryMessageConsumedOnce()
    {
        // Arrange
        Assert.Equal(3, _cluster.BootstrapServers.Split(',').Length);
        Assert.Equal(new[] { 1, 2, 3 }, Leaders());
        var sent = Enumerable.Range(0, 300).Select(i => (Partition: i % Partitions, Value: "m" + i)).ToList();

        // Act
        using (var producer = Producer())
        {
            foreach (var (partition, value) in sent)
            {
                await producer.ProduceAsync(new TopicPartition(Topic, partition), new Message<Null, string> { Value = value },
                    TestContext.Current.CancellationToken);
            }
        }

        var received = ConsumeAsGroup(sent.Count);

        // Assert
        Assert.Equal(sent.Order(), received.Order());
    }

    [Fact]
    public async Task LeaderMove_ProducerAndConsumerFollowTheNewLeader()
    {
        // Arrange
        using var producer = Producer();
        await producer.ProduceAsync(new TopicPartition(Topic, 0), new Message<Null, string> { Value = "before" }, TestContext.Current.CancellationToken);

        // Act
        _cluster.SetPartitionLeader(Topic, 0, 3);
        var after = await producer.ProduceAsync(new TopicPartition(Topic, 0), new Message<Null, string> { Value = "after" },
            TestContext.Current.CancellationToken);

        // Assert
        Assert.Equal(3, Leaders()[0]);
        Assert.Equal(1, after.Offset.Value); // the same log, now served by broker 3
        Assert.Equal(new[] { (0, "after"), (0, "before") }, ConsumeAsGroup(2).Order());
    }

    [Fact]
    public async Task BrokerDown_ItsPartitionsAreUnavailable_BrokerUpRecovers()
    {
        // Arrange: broker 2 leads partition 1 only.
        Assert.Equal(new[] { 1 }, _cluster.PartitionsLedBy(Topic, 2));
        using var producer = Producer(messageTimeoutMs: 3000);
        await producer.ProduceAsync(new TopicPartition(Topic, 1), new Message<Null, string> { Value = "warm-up" }, TestContext.Current.CancellationToken);

        // Act
        _cluster.BrokerDown(2);
        var unavailable = await Assert.ThrowsAsync<ProduceException<Null, string>>(() => producer.ProduceAsync(
            new TopicPartition(Topic, 1), new Message<Null, string> { Value = "lost" }, TestContext.Current.CancellationToken));
        var elsewhere = await producer.ProduceAsync(new TopicPartition(Topic, 0), new Message<Null, string> { Value = "fine" },
            TestContext.Current.CancellationToken);
        _cluster.BrokerUp(2);
        var recovered = await producer.ProduceAsync(new TopicPartition(Topic, 1), new Message<Null, string> { Value = "back" },
            TestContext.Current.CancellationToken);

        // Assert
        Assert.Equal(ErrorCode.Local_MsgTimedOut, unavailable.Error.Code);
        Assert.Equal(PersistenceStatus.Persisted, elsewhere.Status);
        Assert.Equal(PersistenceStatus.Persisted, recovered.Status);
        Assert.Equal(new[] { (0, "fine"), (1, "back"), (1, "warm-up") }, ConsumeAsGroup(3).Order());
    }

    [Fact]
    public async Task DeleteRecords_MovesTheLogStart_ReadersStartThere()
    {
        // Arrange
        using (var producer = Producer())
        {
            for (var i = 0; i < 10; i++)
            {
                await producer.ProduceAsync(new TopicPartition(Topic, 2), new Message<Null, string> { Value = "m" + i }, TestContext.Current.CancellationToken);
            }
        }

        // Act
        _cluster.DeleteRecords(Topic, 2, 6);

        // Assert
        using var consumer = new ConsumerBuilder<Ignore, string>(new ConsumerConfig { BootstrapServers = _cluster.BootstrapServers, GroupId = "marks" }).Build();
        var marks = consumer.QueryWatermarkOffsets(new TopicPartition(Topic, 2), TimeSpan.FromSeconds(10));
        Assert.Equal((6L, 10L), (marks.Low.Value, marks.High.Value));
        Assert.Equal(new[] { (2, "m6"), (2, "m7"), (2, "m8"), (2, "m9") }, ConsumeAsGroup(4).Order());
    }

    [Fact]
    public async Task PushedProduceErrors_IdempotentProducerRetries_EachMessageOnce()
    {
        // Arrange: the next two Produce requests (ApiKey 0) fail with a retriable error.
        _cluster.PushRequestErrors(0, ErrorCode.NotEnoughReplicas, ErrorCode.NotEnoughReplicas);
        using var producer = Producer();

        // Act
        var result = await producer.ProduceAsync(new TopicPartition(Topic, 0), new Message<Null, string> { Value = "retried" },
            TestContext.Current.CancellationToken);

        // Assert
        Assert.Equal(PersistenceStatus.Persisted, result.Status);
        Assert.Equal(new[] { (0, "retried") }, ConsumeAsGroup(1).Order());
    }

    [Fact]
    public void DeleteTopic_ClientsSeeItGone()
    {
        // Arrange
        _cluster.CreateTopic("doomed", 1, replicationFactor: 1);
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = _cluster.BootstrapServers }).Build();
        Assert.Contains(admin.GetMetadata(TimeSpan.FromSeconds(10)).Topics, t => t.Topic == "doomed");

        // Act
        _cluster.DeleteTopic("doomed");

        // Assert
        Assert.DoesNotContain(admin.GetMetadata(TimeSpan.FromSeconds(10)).Topics, t => t.Topic == "doomed" && t.Error.Code == ErrorCode.NoError);
    }

    private IProducer<Null, string> Producer(int messageTimeoutMs = 30_000) => new ProducerBuilder<Null, string>(new ProducerConfig
    {
        BootstrapServers = _cluster.BootstrapServers,
        EnableIdempotence = true,
        Acks = Acks.All,
        MessageTimeoutMs = messageTimeoutMs,
        TopicMetadataRefreshIntervalMs = 1000,
    }).Build();

    private int[] Leaders()
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = _cluster.BootstrapServers }).Build();
        return [.. admin.GetMetadata(Topic, TimeSpan.FromSeconds(10)).Topics[0].Partitions.OrderBy(p => p.PartitionId).Select(p => p.Leader)];
    }

    /// <summary>Reads <paramref name="expected"/> messages through a consumer group (coordinator, join, fetch from every leader).</summary>
    private List<(int Partition, string Value)> ConsumeAsGroup(int expected)
    {
        using var consumer = new ConsumerBuilder<Ignore, string>(new ConsumerConfig
        {
            BootstrapServers = _cluster.BootstrapServers,
            GroupId = "selftest-" + Guid.NewGuid().ToString("N"),
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
        }).Build();
        consumer.Subscribe(Topic);
        var received = new List<(int, string)>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (received.Count < expected && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { IsPartitionEOF: false } result)
            {
                received.Add((result.Partition.Value, result.Message.Value));
            }
        }

        consumer.Close();
        Assert.True(received.Count == expected, $"Consumed {received.Count} of {expected}: {string.Join(", ", received)}.");
        return received;
    }

}
