using Confluent.Kafka;
using Pipeline.KafkaBroker;

namespace Pipeline.Tests.KafkaBroker;

/// <summary>
/// What the StreamProcessor's offset hint relies on in the client (StreamProcessorWorker's source stores offsets and
/// drops, quietly, the hint of a partition it no longer owns): storing an offset for a partition that is not assigned
/// is refused at once, with <see cref="ErrorCode.Local_State"/> (a partition the client has seen) or
/// <see cref="ErrorCode.Local_UnknownPartition"/> (one it never had).
/// </summary>
public sealed class OffsetStoreContractTests
{
    [Fact]
    public void StoreOffset_PartitionNeverAssigned_IsRefusedWithUnknownPartition()
    {
        // Arrange: no broker is needed (port 1 refuses): nothing is assigned.
        using var consumer = NewConsumer("127.0.0.1:1");

        // Act
        var ex = Assert.ThrowsAny<KafkaException>(() => consumer.StoreOffset(new TopicPartitionOffset("events", 0, 42)));

        // Assert
        Assert.Equal(ErrorCode.Local_UnknownPartition, ex.Error.Code);
    }

    [Fact]
    public async Task StoreOffset_PartitionNoLongerAssigned_IsRefusedWithLocalState()
    {
        // Arrange: the partition was assigned, then taken away.
        await using var broker = await KafkaBrokerServer.StartAsync(new KafkaBrokerOptions { Port = 0 }, cancellationToken: TestContext.Current.CancellationToken);
        var topic = "store-" + Guid.NewGuid().ToString("N")[..8];
        await PipelineTestKit.CreateTopicAsync(broker.BootstrapServers, topic, 1);
        using var consumer = NewConsumer(broker.BootstrapServers);
        var partition = new TopicPartition(topic, 0);
        consumer.Assign(new TopicPartitionOffset(partition, Offset.Beginning));
        consumer.StoreOffset(new TopicPartitionOffset(partition, 1));
        consumer.Unassign();

        // Act
        var ex = Assert.ThrowsAny<KafkaException>(() => consumer.StoreOffset(new TopicPartitionOffset(partition, 2)));

        // Assert
        Assert.True(ex.Error.Code is ErrorCode.Local_State or ErrorCode.Local_UnknownPartition, $"Refused with {ex.Error.Code}.");
    }

    private static IConsumer<Ignore, Ignore> NewConsumer(string bootstrapServers) =>
        new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = "g-" + Guid.NewGuid().ToString("N")[..8],
            // As the processor: offsets are stored by hand. No commit here: the stored offsets are not the point.
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
        }).SetLogHandler(static (_, _) => { }).SetErrorHandler(static (_, _) => { }).Build();
}
