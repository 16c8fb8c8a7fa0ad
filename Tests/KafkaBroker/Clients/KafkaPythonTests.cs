using System.Globalization;
using System.Text.Json;
using Pipeline.KafkaBroker;

namespace Pipeline.Tests.KafkaBroker.Clients;

/// <summary>
/// kafka-python (Debian's 2.0.2, which infers the broker's version and then sends fixed request versions):
/// admin create and list, produce with acks=all, consume in a group, commit, resume after the commit.
/// </summary>
public sealed class KafkaPythonTests
{
    private const string Python = "/usr/bin/python3";

    [Fact]
    public async Task RoundTrip_AdminProduceGroupConsumeCommit_AllAgreeWithConfluent()
    {
        // Arrange
        ExternalClient.Require(Python, "apt-get install python3-kafka", HasKafkaModule);
        await using var broker = await KafkaBrokerServer.StartAsync(new KafkaBrokerOptions { Port = 0 }, cancellationToken: TestContext.Current.CancellationToken);
        var topic = "python-" + Guid.NewGuid().ToString("N")[..8];
        var group = topic + "-group";
        const int Count = 40;

        // Act
        var run = await ExternalClient.RunAsync(Python,
            [Path.Combine(ExternalClient.ClientsDirectory, "python", "roundtrip.py"), broker.BootstrapServers, topic, group, Count.ToString(CultureInfo.InvariantCulture)]);

        // Assert
        run.AssertSucceeded("kafka-python roundtrip.py");
        using var report = JsonDocument.Parse(run.Lines[^1]);
        var root = report.RootElement;
        Assert.Contains(topic, root.GetProperty("topics").EnumerateArray().Select(t => t.GetString()));
        var expected = Enumerable.Range(0, Count).Select(i => $"python-{i}").Order().ToList();
        Assert.Equal(expected, root.GetProperty("consumed").EnumerateArray().Select(v => v.GetString()!).Order());
        Assert.Equal([0, 1], root.GetProperty("partitions").EnumerateArray().Select(p => p.GetInt32()));
        Assert.Equal(0, root.GetProperty("after_commit").GetInt32());
        // What kafka-python wrote and committed, read by another client family.
        var read = ClientProbe.ReadAll(broker.BootstrapServers, topic, Count);
        Assert.Equal(expected, read.Select(r => r.Message.Value).Order());
        Assert.Equal(Count, ClientProbe.CommittedTotal(broker.BootstrapServers, group, topic, partitions: 2));
    }

    private static bool HasKafkaModule(string python)
    {
        using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(python, ["-c", "import kafka"])
        {
            RedirectStandardError = true,
            UseShellExecute = false,
        });
        if (process is null)
        {
            return false;
        }

        process.WaitForExit();
        return process.ExitCode == 0;
    }
}
