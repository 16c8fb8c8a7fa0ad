using System.Globalization;
using System.Text.Json;
using Pipeline.KafkaBroker;

namespace Pipeline.Tests.KafkaBroker.Clients;

/// <summary>
/// kafkajs 2.2.4 (npm, installed by <c>npm ci</c> in Tests/Clients/node): admin create, metadata and list,
/// produce with acks=-1, consume in a group with auto-committed offsets, resume after the commit.
/// </summary>
public sealed class KafkaJsTests
{
    [Fact]
    public async Task RoundTrip_AdminProduceGroupConsumeCommit_AllAgreeWithConfluent()
    {
        // Arrange
        var node = ExternalClient.Require("node", "install Node.js, then npm ci in Tests/Clients/node",
            _ => Directory.Exists(Path.Combine(ExternalClient.ClientsDirectory, "node", "node_modules", "kafkajs")));
        await using var broker = await KafkaBrokerServer.StartAsync(new KafkaBrokerOptions { Port = 0 }, cancellationToken: TestContext.Current.CancellationToken);
        var topic = "node-" + Guid.NewGuid().ToString("N")[..8];
        var group = topic + "-group";
        const int Count = 40;

        // Act
        var run = await ExternalClient.RunAsync(node,
            ["roundtrip.js", broker.BootstrapServers, topic, group, Count.ToString(CultureInfo.InvariantCulture)],
            workingDirectory: Path.Combine(ExternalClient.ClientsDirectory, "node"));

        // Assert
        run.AssertSucceeded("kafkajs roundtrip.js");
        using var report = JsonDocument.Parse(run.Lines[^1]);
        var root = report.RootElement;
        Assert.Contains(topic, root.GetProperty("topics").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal(2, root.GetProperty("partitionCount").GetInt32());
        var expected = Enumerable.Range(0, Count).Select(i => $"node-{i}").Order().ToList();
        Assert.Equal(expected, root.GetProperty("consumed").EnumerateArray().Select(v => v.GetString()!).Order());
        Assert.Equal([0, 1], root.GetProperty("partitions").EnumerateArray().Select(p => p.GetInt32()));
        Assert.Equal(0, root.GetProperty("afterCommit").GetInt32());
        var read = ClientProbe.ReadAll(broker.BootstrapServers, topic, Count);
        Assert.Equal(expected, read.Select(r => r.Message.Value).Order());
        Assert.Equal(Count, ClientProbe.CommittedTotal(broker.BootstrapServers, group, topic, partitions: 2));
    }
}
