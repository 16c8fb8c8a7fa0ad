using System.Globalization;
using Confluent.Kafka;
using Pipeline.KafkaBroker;
using Pipeline.KafkaBroker.Hosting;

namespace Pipeline.Tests.KafkaBroker;

/// <summary>
/// Two brokers must never share a port: with SO_REUSEPORT (what .NET's ReuseAddress sets on Linux)
/// both would listen and the kernel would split the connections between them. Rebinding the port of
/// a broker that just stopped must still work.
/// </summary>
public sealed class PortConflictTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task StartAsync_PortHeldByAnotherBroker_ThrowsNamingThePortAndTheFirstStillServes()
    {
        // Arrange
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var first = await KafkaBrokerServer.StartAsync(new KafkaBrokerOptions { Port = 0 }, cancellationToken: cancellationToken);

        // Act
        var error = await Assert.ThrowsAsync<BrokerPortInUseException>(async () =>
        {
            await using var second = await KafkaBrokerServer.StartAsync(
                new KafkaBrokerOptions { Port = first.Port }, cancellationToken: cancellationToken);
        });

        // Assert
        Assert.Equal(first.Port, error.Port);
        Assert.Contains($"Port {first.Port.ToString(CultureInfo.InvariantCulture)} on 127.0.0.1 is already in use", error.Message, StringComparison.Ordinal);
        using var producer = BuildProducer(first.BootstrapServers);
        var delivered = await ProduceAsync(producer, NewTopic(), cancellationToken);
        Assert.Equal(PersistenceStatus.Persisted, delivered.Status);
        Assert.Equal(0, delivered.Offset.Value);
    }

    [Fact]
    public async Task StartAsync_SamePortRightAfterTheBrokerStoppedWithClientsConnected_BindsAndServes()
    {
        // Arrange: the broker closes a live client connection as it stops, so its side is left in TIME_WAIT.
        var cancellationToken = TestContext.Current.CancellationToken;
        var options = new KafkaBrokerOptions { Port = 0 };
        var topic = NewTopic();
        int port;
        await using (var first = await KafkaBrokerServer.StartAsync(options, cancellationToken: cancellationToken))
        {
            port = first.Port;
            using var producer = BuildProducer(first.BootstrapServers);
            await ProduceAsync(producer, topic, cancellationToken);
        }

        // Act
        await using var restarted = await KafkaBrokerServer.StartAsync(new KafkaBrokerOptions { Port = port }, cancellationToken: cancellationToken);

        // Assert
        Assert.Equal(port, restarted.Port);
        using var again = BuildProducer(restarted.BootstrapServers);
        var delivered = await ProduceAsync(again, topic, cancellationToken);
        Assert.Equal(PersistenceStatus.Persisted, delivered.Status);
    }

    [Fact]
    public async Task BrokerProcess_PortHeldByAnotherBroker_ExitsWithPortInUseAndNamesThePortOnStandardError()
    {
        // Arrange
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var holder = await KafkaBrokerServer.StartAsync(new KafkaBrokerOptions { Port = 0 }, cancellationToken: cancellationToken);
        var port = holder.Port.ToString(CultureInfo.InvariantCulture);

        // Act
        using var process = ServiceProcess.Start("KafkaBroker", new Dictionary<string, string>(), ["--port", port]);
        var exitCode = await process.WaitForExitAsync(s_timeout, cancellationToken);

        // Assert
        Assert.Equal(BrokerExitCodes.PortInUse, exitCode);
        var line = Assert.Single(process.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.Equal(
            $"Port {port} on 127.0.0.1 is already in use: another broker or program listens there. Choose another with --port (0 picks a free one).",
            line);
        Assert.DoesNotContain("   at ", process.Output, StringComparison.Ordinal);
    }

    private static string NewTopic() => "port-" + Guid.NewGuid().ToString("N")[..8];

    private static IProducer<Null, string> BuildProducer(string bootstrapServers) =>
        new ProducerBuilder<Null, string>(new ProducerConfig
        {
            BootstrapServers = bootstrapServers,
            Acks = Acks.All,
            MessageTimeoutMs = 10_000,
        }).Build();

    private static Task<DeliveryResult<Null, string>> ProduceAsync(
        IProducer<Null, string> producer, string topic, CancellationToken cancellationToken) =>
        producer.ProduceAsync(topic, new Message<Null, string> { Value = "payload" }, cancellationToken)
            .WaitAsync(s_timeout, cancellationToken);
}
