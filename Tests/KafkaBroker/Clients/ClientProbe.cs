using Confluent.Kafka;

namespace Pipeline.Tests.KafkaBroker.Clients;

/// <summary>Confluent.Kafka as the reference client: what the third-party clients wrote and committed, read back independently.</summary>
internal static class ClientProbe
{
    public static void Produce(string bootstrapServers, string topic, IEnumerable<(string Key, string Value)> messages)
    {
        using var producer = new ProducerBuilder<string, string>(new ProducerConfig
        {
            BootstrapServers = bootstrapServers,
            EnableIdempotence = true,
        }).Build();
        foreach (var (key, value) in messages)
        {
            producer.Produce(topic, new Message<string, string> { Key = key, Value = value });
        }

        Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));
    }

    /// <summary>Every message of the topic, read from the beginning without a group.</summary>
    public static List<ConsumeResult<string, string>> ReadAll(string bootstrapServers, string topic, int expected)
    {
        using var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = "probe-" + Guid.NewGuid().ToString("N"),
            EnableAutoCommit = false,
        }).Build();
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrapServers }).Build();
        var partitions = admin.GetMetadata(topic, TimeSpan.FromSeconds(10)).Topics[0].Partitions;
        consumer.Assign(partitions.Select(p => new TopicPartitionOffset(topic, p.PartitionId, Offset.Beginning)));
        var results = new List<ConsumeResult<string, string>>();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (results.Count < expected && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { Message: not null } result)
            {
                results.Add(result);
            }
        }

        return results;
    }

    /// <summary>The group's committed offsets summed over the topic's partitions (unset counts as 0).</summary>
    public static long CommittedTotal(string bootstrapServers, string group, string topic, int partitions)
    {
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = bootstrapServers, GroupId = group }).Build();
        var committed = consumer.Committed(
            Enumerable.Range(0, partitions).Select(p => new TopicPartition(topic, p)), TimeSpan.FromSeconds(10));
        return committed.Sum(c => Math.Max(0, c.Offset.Value));
    }
}
