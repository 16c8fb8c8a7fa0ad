using Confluent.Kafka;
using Pipeline.KafkaBroker;

namespace Pipeline.Tests.KafkaBroker;

public sealed class SmokeTests
{
    [Fact]
    public void Library_NativeLibrdkafka_Loads()
    {
        Assert.StartsWith("2.16", Library.VersionString, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetMetadata_AgainstEmbeddedBroker_ListsTheBrokerAsController()
    {
        // Arrange
        await using var broker = await KafkaBrokerServer.StartAsync(new KafkaBrokerOptions { Port = 0 },
            cancellationToken: TestContext.Current.CancellationToken);
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = broker.BootstrapServers }).Build();

        // Act
        var metadata = admin.GetMetadata(TimeSpan.FromSeconds(10));

        // Assert
        var node = Assert.Single(metadata.Brokers);
        Assert.Equal(broker.Port, node.Port);
        Assert.Equal(1, node.BrokerId);
    }
}
