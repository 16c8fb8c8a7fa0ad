using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Microsoft.Extensions.Logging;
using Pipeline.AppHost.Topology;
using Pipeline.KafkaBroker;
using Pipeline.Tests.KafkaBroker.Faults;

namespace Pipeline.Tests.AppHost;

/// <summary>The AppHost's run-mode topic creation, against the embedded broker with the real AdminClient.</summary>
public sealed class TopicProvisionerTests : IAsyncLifetime
{
    private readonly CapturingLoggerProvider _logs = new();
    private KafkaBrokerServer _broker = null!;

    public async ValueTask InitializeAsync() =>
        _broker = await KafkaBrokerServer.StartAsync(new KafkaBrokerOptions { Port = 0, AutoCreateTopics = false },
            cancellationToken: TestContext.Current.CancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _broker.DisposeAsync();
        _logs.Dispose();
    }

    [Fact]
    public async Task EnsureTopics_OnAnEmptyBroker_CreatesEachWithItsPartitionCount()
    {
        // Arrange
        var settings = new PipelineSettings { Topic = "orders", TopicPartitions = 5 };

        // Act
        var outcomes = await TopicProvisioner.EnsureTopicsAsync(_broker.BootstrapServers, settings.Topics, Logger(), TestContext.Current.CancellationToken);

        // Assert
        Assert.All(outcomes, static outcome => Assert.True(outcome.Created));
        Assert.Equal(
            new Dictionary<string, int> { ["orders"] = 5, ["orders.windows"] = 5, ["orders.dlq"] = 1 },
            PartitionCounts());
    }

    [Fact]
    public async Task EnsureTopics_Twice_KeepsTheTopicsAndSaysTheyExist()
    {
        // Arrange
        var settings = new PipelineSettings { Topic = "orders", TopicPartitions = 2 };
        await TopicProvisioner.EnsureTopicsAsync(_broker.BootstrapServers, settings.Topics, Logger(), TestContext.Current.CancellationToken);

        // Act
        var outcomes = await TopicProvisioner.EnsureTopicsAsync(_broker.BootstrapServers, settings.Topics, Logger(), TestContext.Current.CancellationToken);

        // Assert
        Assert.All(outcomes, static outcome => Assert.False(outcome.Created));
        Assert.Equal(2, PartitionCounts()["orders"]);
        Assert.Contains(_logs.Entries, static e => e.Message == "Topic orders already exists with 2 partition(s)");
    }

    [Fact]
    public async Task EnsureTopics_ExistingTopicWithOtherPartitionCount_KeepsItAndWarns()
    {
        // Arrange
        using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = _broker.BootstrapServers }).Build())
        {
            await admin.CreateTopicsAsync([new TopicSpecification { Name = "orders", NumPartitions = 1, ReplicationFactor = 1 }]);
        }

        var settings = new PipelineSettings { Topic = "orders", TopicPartitions = 4 };

        // Act
        var outcomes = await TopicProvisioner.EnsureTopicsAsync(_broker.BootstrapServers, settings.Topics, Logger(), TestContext.Current.CancellationToken);

        // Assert
        Assert.Equal(new TopicOutcome("orders", Created: false, Partitions: 1), outcomes[0]);
        Assert.True(outcomes[1].Created);
        Assert.Contains(_logs.Entries, static e => e.Level == LogLevel.Warning && e.Message.Contains("orders already exists with 1 partition(s), not the 4 configured", StringComparison.Ordinal));
    }

    [Fact]
    public async Task EnsureTopics_NoReplicationFactorSet_AsksForTheClusterDefault()
    {
        // Arrange: the broker behind a proxy that keeps the CreateTopics requests.
        await using var proxy = new FaultProxy();
        await using var broker = await KafkaBrokerServer.StartAsync(new KafkaBrokerOptions { Port = 0, AdvertisedPort = proxy.Port, AutoCreateTopics = false },
            cancellationToken: TestContext.Current.CancellationToken);
        proxy.ForwardTo(broker.Port);
        proxy.RecordRequests(CreateTopicsApiKey);
        var settings = new PipelineSettings { Topic = "orders", TopicPartitions = 2 };

        // Act
        var outcomes = await TopicProvisioner.EnsureTopicsAsync(broker.BootstrapServers, settings.Topics, Logger(), TestContext.Current.CancellationToken);

        // Assert: -1 (KIP-464), which the embedded broker takes as its one replica.
        Assert.All(outcomes, static outcome => Assert.True(outcome.Created));
        Assert.Equal(TopicProvisioner.BrokerDefaultReplicationFactor, FirstReplicationFactor(Assert.Single(proxy.RecordedRequests)));
    }

    [Fact]
    public async Task EnsureTopics_ReplicationFactorAboveTheBrokerCount_IsCappedAndTheTopicsAreCreated()
    {
        // Arrange: three replicas asked of a one-broker cluster.
        var settings = new PipelineSettings { Topic = "orders", TopicPartitions = 2, TopicReplicationFactor = 3 };

        // Act
        var outcomes = await TopicProvisioner.EnsureTopicsAsync(
            _broker.BootstrapServers, settings.Topics, settings.TopicReplicationFactor, Logger(), TestContext.Current.CancellationToken);

        // Assert
        Assert.All(outcomes, static outcome => Assert.True(outcome.Created));
        Assert.Equal(2, PartitionCounts()["orders"]);
    }

    [Theory]
    [InlineData(3, 1, 1)]
    [InlineData(3, 5, 3)]
    [InlineData(2, 2, 2)]
    public void ReplicationFactor_IsCappedByTheBrokers(short wanted, int brokers, short expected) =>
        Assert.Equal(expected, TopicProvisioner.ReplicationFactor(wanted, brokers));

    private const short CreateTopicsApiKey = 19;

    /// <summary>
    /// The replication factor of the first topic of a CreateTopics request (v0-4, not flexible): size, api key, version,
    /// correlation id, client id (int16 length), topic count, name (int16 length), partitions, then the factor.
    /// </summary>
    private static short FirstReplicationFactor(byte[] frame)
    {
        var span = frame.AsSpan();
        var offset = 4 + 2 + 2 + 4;
        offset += 2 + Math.Max((short)0, System.Buffers.Binary.BinaryPrimitives.ReadInt16BigEndian(span[offset..]));
        offset += 4;
        offset += 2 + System.Buffers.Binary.BinaryPrimitives.ReadInt16BigEndian(span[offset..]);
        offset += 4;
        return System.Buffers.Binary.BinaryPrimitives.ReadInt16BigEndian(span[offset..]);
    }

    private ILogger Logger() => _logs.CreateLogger("topics");

    private Dictionary<string, int> PartitionCounts()
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = _broker.BootstrapServers }).Build();
        return admin.GetMetadata(TimeSpan.FromSeconds(10)).Topics
            .Where(static t => t.Error.Code == ErrorCode.NoError)
            .ToDictionary(static t => t.Topic, static t => t.Partitions.Count);
    }
}
