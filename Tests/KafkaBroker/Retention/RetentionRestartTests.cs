using Confluent.Kafka;

namespace Pipeline.Tests.KafkaBroker.Retention;

/// <summary>A broker restarted on its data folder keeps the log start, whether retention or DeleteRecords moved it.</summary>
public sealed class RetentionRestartTests
{
    [Fact]
    public async Task Restart_AfterRetentionDeletedSegments_KeepsTheLogStartAndTheOffsets()
    {
        // Arrange
        var ct = TestContext.Current.CancellationToken;
        await using var harness = await RetentionHarness.StartAsync(o => o.Retention = TimeSpan.FromHours(1), partitions: 1, ct);
        await harness.ProduceAsync(3, age: TimeSpan.FromHours(2));
        await harness.ProduceAsync(2, age: TimeSpan.Zero);
        harness.RunRetentionCheck();

        // Act
        await harness.RestartAsync(ct);

        // Assert: the log start comes from the remaining segments; new records continue the offsets.
        var watermarks = harness.QueryWatermarks();
        Assert.Equal(3, watermarks.Low.Value);
        Assert.Equal(5, watermarks.High.Value);
        await harness.ProduceAsync(1, age: TimeSpan.Zero);
        Assert.Equal(6, harness.QueryWatermarks().High.Value);
        using var consumer = harness.NewConsumer(AutoOffsetReset.Earliest);
        consumer.Assign(new TopicPartitionOffset(harness.Topic, 0, Offset.Beginning));
        Assert.Equal(3, consumer.Consume(TimeSpan.FromSeconds(15))?.Offset.Value);
    }

    [Fact]
    public async Task Restart_AfterRetentionDeletedEveryBatchOfAProducer_NeverHandsOutItsIdAgain()
    {
        // Arrange: an idempotent producer's two batches, then one without a producer id (the active segment), and
        // retention that deletes all but the active segment: no batch in the log remembers the first producer's id.
        var ct = TestContext.Current.CancellationToken;
        await using var harness = await RetentionHarness.StartAsync(o => o.RetentionBytes = 0, partitions: 1, ct);
        await ProduceIdempotentAsync(harness, ct);
        var firstId = harness.Partition().MaxProducerId;
        await harness.ProduceAsync(1, age: TimeSpan.Zero);
        harness.RunRetentionCheck();
        Assert.Equal(2, harness.QueryWatermarks().Low.Value);

        // Act
        await harness.RestartAsync(ct);
        await ProduceIdempotentAsync(harness, ct);

        // Assert
        Assert.True(firstId > 0);
        Assert.True(harness.Partition().MaxProducerId > firstId, "the new producer got a fresh id");
    }

    [Fact]
    public async Task Restart_AfterDeleteRecordsInsideASegment_KeepsTheLogStart()
    {
        // Arrange: one large segment, the log start moved into its middle.
        var ct = TestContext.Current.CancellationToken;
        await using var harness = await RetentionHarness.StartAsync(o => o.SegmentBytes = 1024 * 1024, partitions: 1, ct);
        await harness.ProduceAsync(10, age: TimeSpan.Zero);
        using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = harness.Broker.BootstrapServers }).Build())
        {
            await admin.DeleteRecordsAsync([new TopicPartitionOffset(harness.Topic, 0, 6)]);
        }

        // Act
        await harness.RestartAsync(ct);

        // Assert
        var watermarks = harness.QueryWatermarks();
        Assert.Equal(6, watermarks.Low.Value);
        Assert.Equal(10, watermarks.High.Value);
    }

    private static async Task ProduceIdempotentAsync(RetentionHarness harness, CancellationToken ct)
    {
        using var producer = new ProducerBuilder<Null, string>(new ProducerConfig
        {
            BootstrapServers = harness.Broker.BootstrapServers,
            EnableIdempotence = true,
            LingerMs = 0,
        }).Build();
        for (var i = 0; i < 2; i++)
        {
            await producer.ProduceAsync(new TopicPartition(harness.Topic, 0), new Message<Null, string> { Value = "idempotent-" + i }, ct);
        }
    }
}
