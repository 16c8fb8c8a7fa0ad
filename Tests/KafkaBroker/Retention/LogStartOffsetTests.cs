using Confluent.Kafka;
using Confluent.Kafka.Admin;

namespace Pipeline.Tests.KafkaBroker.Retention;

/// <summary>
/// What clients see once the log start has moved (by retention or DeleteRecords): a fetch below it, or beyond the high
/// watermark, answers OFFSET_OUT_OF_RANGE, so Confluent.Kafka's auto.offset.reset behaves as on a real cluster.
/// </summary>
public sealed class LogStartOffsetTests
{
    private static readonly TimeSpan s_consumeTimeout = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Consume_BelowTheLogStartAfterRetention_WithAutoOffsetResetError_ThrowsAConsumeError()
    {
        // Arrange: offsets 0-2 expired and deleted; the log starts at 3.
        var ct = TestContext.Current.CancellationToken;
        await using var harness = await RetentionHarness.StartAsync(o => o.Retention = TimeSpan.FromHours(1), partitions: 1, ct);
        await harness.ProduceAsync(3, age: TimeSpan.FromHours(2));
        await harness.ProduceAsync(2, age: TimeSpan.Zero);
        harness.RunRetentionCheck();
        Assert.Equal(3, harness.QueryWatermarks().Low.Value);
        using var consumer = harness.NewConsumer(AutoOffsetReset.Error);

        // Act
        consumer.Assign(new TopicPartitionOffset(harness.Topic, 0, 0));
        var error = Assert.Throws<ConsumeException>(() => consumer.Consume(s_consumeTimeout));

        // Assert: librdkafka turns the broker's OFFSET_OUT_OF_RANGE into its "no offset to reset to" error.
        Assert.Equal(ErrorCode.Local_AutoOffsetReset, error.Error.Code);
        Assert.Contains("Offset out of range", error.Error.Reason, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Consume_BelowTheLogStartAfterRetention_WithAutoOffsetResetEarliest_StartsAtTheNewLogStart()
    {
        // Arrange
        var ct = TestContext.Current.CancellationToken;
        await using var harness = await RetentionHarness.StartAsync(o => o.Retention = TimeSpan.FromHours(1), partitions: 1, ct);
        await harness.ProduceAsync(3, age: TimeSpan.FromHours(2));
        await harness.ProduceAsync(2, age: TimeSpan.Zero);
        harness.RunRetentionCheck();
        using var consumer = harness.NewConsumer(AutoOffsetReset.Earliest);

        // Act
        consumer.Assign(new TopicPartitionOffset(harness.Topic, 0, 0));
        var first = consumer.Consume(s_consumeTimeout);

        // Assert
        Assert.NotNull(first);
        Assert.Equal(3, first.Offset.Value);
    }

    [Fact]
    public async Task Consume_BeyondTheHighWatermark_WithAutoOffsetResetError_ThrowsAConsumeError()
    {
        // Arrange
        var ct = TestContext.Current.CancellationToken;
        await using var harness = await RetentionHarness.StartAsync(_ => { }, partitions: 1, ct);
        await harness.ProduceAsync(2, age: TimeSpan.Zero);
        using var consumer = harness.NewConsumer(AutoOffsetReset.Error);

        // Act
        consumer.Assign(new TopicPartitionOffset(harness.Topic, 0, 100));
        var error = Assert.Throws<ConsumeException>(() => consumer.Consume(s_consumeTimeout));

        // Assert
        Assert.Equal(ErrorCode.Local_AutoOffsetReset, error.Error.Code);
    }

    [Fact]
    public async Task DeleteRecordsAsync_InsideASegment_MovesTheLogStartThereAndConsumersResetToIt()
    {
        // Arrange: one large segment holding offsets 0-9.
        var ct = TestContext.Current.CancellationToken;
        await using var harness = await RetentionHarness.StartAsync(o => o.SegmentBytes = 1024 * 1024, partitions: 1, ct);
        await harness.ProduceAsync(10, age: TimeSpan.Zero);
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = harness.Broker.BootstrapServers }).Build();

        // Act
        var results = await admin.DeleteRecordsAsync([new TopicPartitionOffset(harness.Topic, 0, 4)]);

        // Assert: the low watermark answered and listed is 4; an earliest consumer starts there.
        Assert.Equal(4, Assert.Single(results).Offset.Value);
        Assert.Equal(4, harness.QueryWatermarks().Low.Value);
        using var consumer = harness.NewConsumer(AutoOffsetReset.Earliest);
        consumer.Assign(new TopicPartitionOffset(harness.Topic, 0, Offset.Beginning));
        Assert.Equal(4, consumer.Consume(s_consumeTimeout)?.Offset.Value);
    }

    [Fact]
    public async Task DeleteRecordsAsync_BeyondTheHighWatermark_FailsWithOffsetOutOfRangeAndKeepsTheLogStart()
    {
        // Arrange
        var ct = TestContext.Current.CancellationToken;
        await using var harness = await RetentionHarness.StartAsync(_ => { }, partitions: 1, ct);
        await harness.ProduceAsync(3, age: TimeSpan.Zero);
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = harness.Broker.BootstrapServers }).Build();

        // Act
        var error = await Assert.ThrowsAsync<DeleteRecordsException>(() =>
            admin.DeleteRecordsAsync([new TopicPartitionOffset(harness.Topic, 0, 4)]));

        // Assert
        Assert.Equal(ErrorCode.OffsetOutOfRange, Assert.Single(error.Results).Error.Code);
        Assert.Equal(0, harness.QueryWatermarks().Low.Value);
    }

    [Fact]
    public async Task RetentionCheck_AfterDeleteRecords_DeletesTheSegmentsWhollyBeforeTheLogStart()
    {
        // Arrange: one message per segment, the log start moved to 3 by DeleteRecords, no time or size limit.
        var ct = TestContext.Current.CancellationToken;
        await using var harness = await RetentionHarness.StartAsync(o => o.Retention = Timeout.InfiniteTimeSpan, partitions: 1, ct);
        await harness.ProduceAsync(5, age: TimeSpan.Zero);
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = harness.Broker.BootstrapServers }).Build();
        await admin.DeleteRecordsAsync([new TopicPartitionOffset(harness.Topic, 0, 3)]);

        // Act
        harness.RunRetentionCheck();

        // Assert
        Assert.Equal(["00000000000000000003.log", "00000000000000000004.log"], harness.SegmentFiles());
        Assert.Equal(3, harness.QueryWatermarks().Low.Value);
    }
}
