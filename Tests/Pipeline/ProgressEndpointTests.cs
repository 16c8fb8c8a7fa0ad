using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Pipeline.Tests.Pipeline;

/// <summary>
/// <c>/progress</c> of an in-process StreamProcessor on the embedded broker, read over HTTP as a user would (names
/// spelled out here, not read from the contract, so a rename is a test failure).
/// </summary>
public sealed class ProgressEndpointTests() : BrokerRunTest("progress", defaultPartitions: 2)
{
    private const string RunId = "progress";
    private const int Events = 200;
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Progress_AfterEventsAreCommitted_ShowsEachPartitionAtItsCheckpointWithItsLastCommitAndOpenWindows()
    {
        // Arrange: events 1 s apart over two partitions; no idle advance, so the last windows stay open.
        var ct = TestContext.Current.CancellationToken;
        await PipelineTestKit.CreateTopicAsync(Broker.BootstrapServers, Topic, partitions: 2);
        Produce();
        var settings = ProcessorSettings(RunId);
        settings["Pipeline:Windowing:IdleTimeout"] = "01:00:00";
        settings["Pipeline:Processor:PartitionProbeInterval"] = "00:00:00.500";
        settings["Pipeline:Processor:PartitionConfirmationMaxAge"] = "00:00:05";
        await using var processor = ServiceHosts.BuildStreamProcessor(Root, settings);
        await processor.StartAsync(ct).WaitAsync(s_timeout, ct);
        using var http = new HttpClient { BaseAddress = new Uri(Address(processor)) };
        var store = TestRun.Local(OutputPath, RunId).Checkpoints;

        // Act: wait until both checkpoints hold every event and the report has caught up with them.
        var checkpoints = await PipelineTestKit.WaitUntilAsync(
            async () => new[] { await store.LoadAsync(Topic, 0, ct), await store.LoadAsync(Topic, 1, ct) },
            static c => c.Sum(static p => p?.NextOffset ?? 0) == Events,
            c => $"the checkpoints to cover {Events} events (at {c.Sum(static p => p?.NextOffset ?? 0)})", s_timeout);
        var progress = await PipelineTestKit.WaitUntilAsync(
            async () => JsonDocument.Parse(await http.GetStringAsync(new Uri("/progress", UriKind.Relative), ct)),
            report => report.RootElement.GetProperty("partitions").EnumerateArray().Count() == 2
                && report.RootElement.GetProperty("partitions").EnumerateArray().All(p =>
                    p.GetProperty("committedOffset").ValueKind == JsonValueKind.Number
                    && p.GetProperty("committedOffset").GetInt64() == checkpoints[p.GetProperty("partition").GetInt32()]!.NextOffset
                    && p.GetProperty("lag").ValueKind == JsonValueKind.Number),
            report => "/progress to show both partitions at their checkpoints: " + report.RootElement,
            s_timeout);
        await processor.StopAsync(ct).WaitAsync(s_timeout, ct);

        // Assert
        TestContext.Current.SendDiagnosticMessage(progress.RootElement.ToString());
        var root = progress.RootElement;
        Assert.Equal(RunId, root.GetProperty("runId").GetString());
        Assert.Equal(Topic, root.GetProperty("topic").GetString());
        Assert.Equal("group-" + Topic, root.GetProperty("groupId").GetString());
        foreach (var partition in root.GetProperty("partitions").EnumerateArray())
        {
            var checkpoint = checkpoints[partition.GetProperty("partition").GetInt32()]!;
            Assert.Equal(checkpoint.NextOffset, partition.GetProperty("position").GetInt64());
            Assert.Equal(checkpoint.NextOffset, partition.GetProperty("logEndOffset").GetInt64());
            Assert.Equal(0, partition.GetProperty("lag").GetInt64());
            Assert.True(partition.GetProperty("leaderAnswering").GetBoolean());
            var lastCommit = partition.GetProperty("lastCommit");
            Assert.Equal(checkpoint.NextOffset, lastCommit.GetProperty("nextOffset").GetInt64());
            Assert.InRange(lastCommit.GetProperty("rows").GetInt64(), 1, checkpoint.NextOffset);
            Assert.True(partition.GetProperty("commits").GetInt64() >= 1);
            Assert.True(partition.GetProperty("averageCommitDurationMs").GetDouble() >= 0);
            // The checkpoint stores one aggregate per key and open window: the report's rows in state.
            Assert.Equal(checkpoint.OpenWindows.Count, partition.GetProperty("stateRows").GetInt32());
            Assert.InRange(partition.GetProperty("openWindows").GetInt32(), 1, checkpoint.OpenWindows.Count);
            Assert.Equal(checkpoint.Watermark, partition.GetProperty("watermark").GetDateTime().ToUniversalTime());
        }

        var totals = root.GetProperty("totals");
        Assert.Equal(2, totals.GetProperty("partitions").GetInt32());
        Assert.Equal(0, totals.GetProperty("lag").GetInt64());
        Assert.Equal(checkpoints.Sum(static c => c!.OpenWindows.Count), totals.GetProperty("stateRows").GetInt32());
    }

    private static string Address(Microsoft.AspNetCore.Builder.WebApplication app) =>
        app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();

    /// <summary>Events 1 s apart, ids 0-9 (keys spread over both partitions).</summary>
    private void Produce()
    {
        var start = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        PipelineTestKit.ProduceRaw(Broker.BootstrapServers, Topic, Enumerable.Range(0, Events).Select(i =>
        {
            var id = (i % 10).ToString(CultureInfo.InvariantCulture);
            var ts = start.AddSeconds(i).ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);
            return ((string?)id, Encoding.UTF8.GetBytes($$"""{"id":{{id}},"ts":"{{ts}}","value":{{i}},"source":"progress"}"""));
        }));
    }
}
