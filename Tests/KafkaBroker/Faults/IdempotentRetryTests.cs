using Confluent.Kafka;
using Pipeline.KafkaBroker;

namespace Pipeline.Tests.KafkaBroker.Faults;

/// <summary>
/// The idempotent producer's promise, tested where it matters: the broker appended a batch, the answer was
/// lost with the connection, the client retried the same sequence. Every message must be stored once, in order,
/// and the producer must not fail with a sequence error.
/// </summary>
public sealed class IdempotentRetryTests
{
    private const short ProduceApiKey = 0;

    [Fact]
    public async Task LostProduceResponses_RetriedBatchesAreStoredOnceInOrder()
    {
        // Arrange
        await using var proxy = new FaultProxy();
        await using var broker = await KafkaBrokerServer.StartAsync(
            new KafkaBrokerOptions { Port = 0, AdvertisedPort = proxy.Port }, cancellationToken: TestContext.Current.CancellationToken);
        proxy.ForwardTo(broker.Port);
        var topic = "retry-" + Guid.NewGuid().ToString("N")[..8];
        await PipelineTestKit.CreateTopicAsync($"127.0.0.1:{broker.Port}", topic, 1);
        proxy.DropResponses(ProduceApiKey, count: 3);
        var errors = new List<string>();
        const int Count = 5000;

        // Act
        using (var producer = new ProducerBuilder<Null, string>(new ProducerConfig
        {
            BootstrapServers = broker.BootstrapServers,
            EnableIdempotence = true,
            Acks = Acks.All,
            LingerMs = 5,
            BatchNumMessages = 500,
            RetryBackoffMs = 50,
        }).SetErrorHandler((_, e) => errors.Add(e.Reason)).Build())
        {
            for (var i = 0; i < Count; i++)
            {
                producer.Produce(topic, new Message<Null, string> { Value = "v" + i }, report =>
                {
                    if (report.Error.IsError)
                    {
                        lock (errors)
                        {
                            errors.Add(report.Error.Reason);
                        }
                    }
                });
            }

            Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(60)));
        }

        // Assert
        Assert.Equal(3, proxy.DroppedResponses);
        Assert.DoesNotContain(errors, e => e.Contains("sequence", StringComparison.OrdinalIgnoreCase) || e.Contains("fatal", StringComparison.OrdinalIgnoreCase));
        using var consumer = ProduceFetchTests.NewConsumer($"127.0.0.1:{broker.Port}");
        Assert.Equal(Count, consumer.QueryWatermarkOffsets(new TopicPartition(topic, 0), TimeSpan.FromSeconds(10)).High.Value);
        consumer.Assign(new TopicPartitionOffset(topic, 0, Offset.Beginning));
        for (var i = 0; i < Count; i++)
        {
            Assert.Equal("v" + i, ProduceFetchTests.ConsumeOne(consumer).Message.Value);
        }
    }
}
