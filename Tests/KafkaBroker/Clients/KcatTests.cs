using System.Globalization;
using System.Text.Json;
using Pipeline.KafkaBroker;

namespace Pipeline.Tests.KafkaBroker.Clients;

/// <summary>kcat (Debian's, on librdkafka 2.0.2): metadata, produce, consume, and a consumer group with committed offsets.</summary>
public sealed class KcatTests : IAsyncLifetime
{
    private readonly string _topic = "kcat-" + Guid.NewGuid().ToString("N")[..8];
    private KafkaBrokerServer _broker = null!;
    private string _kcat = "";

    public async ValueTask InitializeAsync()
    {
        _kcat = ExternalClient.Require("kcat", "apt-get install kcat");
        _broker = await KafkaBrokerServer.StartAsync(new KafkaBrokerOptions { Port = 0 }, cancellationToken: TestContext.Current.CancellationToken);
        await PipelineTestKit.CreateTopicAsync(_broker.BootstrapServers, _topic, partitions: 3);
    }

    public async ValueTask DisposeAsync()
    {
        if (_broker is not null)
        {
            await _broker.DisposeAsync();
        }
    }

    [Fact]
    public async Task List_Metadata_ShowsTheBrokerAndTheTopicWithItsPartitions()
    {
        // Act
        var run = await ExternalClient.RunAsync(_kcat, ["-b", _broker.BootstrapServers, "-L", "-J"]);

        // Assert
        run.AssertSucceeded("kcat -L");
        using var metadata = JsonDocument.Parse(run.Output);
        var broker = Assert.Single(metadata.RootElement.GetProperty("brokers").EnumerateArray());
        Assert.Equal(_broker.BootstrapServers, broker.GetProperty("name").GetString());
        var topic = metadata.RootElement.GetProperty("topics").EnumerateArray().Single(t => t.GetProperty("topic").GetString() == _topic);
        Assert.Equal(3, topic.GetProperty("partitions").GetArrayLength());
    }

    [Fact]
    public async Task Produce_KeyedLines_AreReadBackByConfluentWithKeysAndValues()
    {
        // Arrange
        var lines = Enumerable.Range(0, 50).Select(i => $"key-{i % 5}:kcat-{i}").ToList();

        // Act
        var run = await ExternalClient.RunAsync(_kcat, ["-b", _broker.BootstrapServers, "-P", "-t", _topic, "-K:"],
            standardInput: string.Join('\n', lines) + "\n");

        // Assert
        run.AssertSucceeded("kcat -P");
        var read = ClientProbe.ReadAll(_broker.BootstrapServers, _topic, lines.Count);
        Assert.Equal(lines.Order(), read.Select(r => $"{r.Message.Key}:{r.Message.Value}").Order());
        // Keyed: every key stays on one partition.
        Assert.All(read.GroupBy(r => r.Message.Key), g => Assert.Single(g.Select(r => r.Partition.Value).Distinct()));
    }

    [Fact]
    public async Task Consume_ToTheEnd_ReturnsWhatConfluentProduced()
    {
        // Arrange
        var messages = Enumerable.Range(0, 30).Select(i => ($"key-{i % 3}", $"confluent-{i}")).ToList();
        ClientProbe.Produce(_broker.BootstrapServers, _topic, messages);

        // Act
        var run = await ExternalClient.RunAsync(_kcat,
            ["-b", _broker.BootstrapServers, "-C", "-t", _topic, "-o", "beginning", "-e", "-q", "-f", "%k=%s\\n"]);

        // Assert
        run.AssertSucceeded("kcat -C");
        Assert.Equal(messages.Select(m => $"{m.Item1}={m.Item2}").Order(), run.Lines.Order());
    }

    [Fact]
    public async Task ConsumeInGroup_TwoRuns_SecondResumesAtTheCommittedOffsets()
    {
        // Arrange
        const int Count = 10;
        var group = "kcat-group-" + Guid.NewGuid().ToString("N")[..8];
        ClientProbe.Produce(_broker.BootstrapServers, _topic,
            Enumerable.Range(0, Count).Select(i => ($"key-{i}", i.ToString(CultureInfo.InvariantCulture))));
        string[] GroupArguments(int count) =>
            ["-b", _broker.BootstrapServers, "-G", group, "-X", "auto.offset.reset=earliest", "-c", count.ToString(CultureInfo.InvariantCulture), "-q", "-f", "%s\\n", _topic];

        // Act: the first member takes 6 and leaves (committing), the second takes the rest.
        var first = await ExternalClient.RunAsync(_kcat, GroupArguments(6));
        var second = await ExternalClient.RunAsync(_kcat, GroupArguments(Count - 6));

        // Assert
        first.AssertSucceeded("kcat -G (first)");
        second.AssertSucceeded("kcat -G (second)");
        Assert.Equal(6, first.Lines.Length);
        Assert.Equal(Enumerable.Range(0, Count).Select(i => i.ToString(CultureInfo.InvariantCulture)).Order(),
            first.Lines.Concat(second.Lines).Order());
        Assert.Equal(Count, ClientProbe.CommittedTotal(_broker.BootstrapServers, group, _topic, partitions: 3));
    }
}
