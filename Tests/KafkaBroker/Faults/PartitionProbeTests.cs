using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Pipeline.KafkaBroker;
using Pipeline.StreamProcessor.Kafka;
using Pipeline.StreamProcessor.Processing;

namespace Pipeline.Tests.KafkaBroker.Faults;

/// <summary>
/// The partition prober with the real consumer against the embedded broker: its offsets requests (ListOffsets) confirm a
/// caught-up partition, and when they go unanswered (the proxy cuts the connection after each one) the partition is
/// reported unavailable by name, until the leader answers again.
/// </summary>
public sealed class PartitionProbeTests : IAsyncLifetime
{
    private const short ListOffsets = 2;
    private readonly string _root = Directory.CreateTempSubdirectory("pipeline-probe-").FullName;
    private readonly string _topic = "probe-" + Guid.NewGuid().ToString("N")[..8];
    private readonly FaultProxy _proxy = new();
    private KafkaBrokerServer _broker = null!;

    public async ValueTask InitializeAsync()
    {
        _broker = await KafkaBrokerServer.StartAsync(
            new KafkaBrokerOptions { Port = 0, AdvertisedPort = _proxy.Port }, cancellationToken: TestContext.Current.CancellationToken);
        _proxy.ForwardTo(_broker.Port);
    }

    public async ValueTask DisposeAsync()
    {
        await _broker.DisposeAsync();
        await _proxy.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task Prober_LeaderAnswers_CaughtUpAndHealthy_OffsetsRequestsUnanswered_DegradedNamingThePartition_ThenHealthyAgain()
    {
        // Arrange: two events, consumed; the prober asks every 200 ms and trusts an answer for 1 s.
        var cancellation = TestContext.Current.CancellationToken;
        await PipelineTestKit.CreateTopicAsync(_broker.BootstrapServers, _topic, 1);
        PipelineTestKit.ProduceRaw(_broker.BootstrapServers, _topic,
        [
            ("1", Encoding.UTF8.GetBytes("""{"id":1,"ts":"2026-01-02T03:04:05Z","value":1.5}""")),
            ("1", Encoding.UTF8.GetBytes("""{"id":1,"ts":"2026-01-02T03:04:05.2Z","value":2.5}""")),
        ]);
        await using var processor = ServiceHosts.BuildStreamProcessor(_root, ProcessorTestSettings.Placement(
            _broker.BootstrapServers, _topic, Path.Combine(_root, "output"), "probe", more: new Dictionary<string, string?>
            {
                ["Pipeline:Processor:PartitionProbeInterval"] = "00:00:00.200",
                ["Pipeline:Processor:PartitionProbeTimeout"] = "00:00:00.500",
                ["Pipeline:Processor:PartitionConfirmationMaxAge"] = "00:00:01",
                ["Pipeline:Output:TriggerInterval"] = "00:00:00.300",
                ["Kafka:Consumer:session.timeout.ms"] = "6000",
                ["Kafka:Consumer:heartbeat.interval.ms"] = "500",
            }));
        var worker = processor.Services.GetRequiredService<StreamProcessorWorker>();
        var prober = processor.Services.GetRequiredService<PartitionProber>();
        var health = processor.Services.GetRequiredService<PartitionHealth>();
        HealthCheckResult Check() => health.CheckHealthAsync(new HealthCheckContext(), cancellation).GetAwaiter().GetResult();
        await processor.StartAsync(cancellation);
        await PipelineTestKit.WaitUntilAsync(() => worker.Lanes is [{ NextOffset: 2 }], "both events consumed", TimeSpan.FromSeconds(30));

        // Act + Assert: the leader's answer says the lane is caught up.
        await PipelineTestKit.WaitUntilAsync(() => prober.CaughtUpAsOf(0, 2) is not null && Check().Status == HealthStatus.Healthy,
            "the leader confirming the partition caught up", TimeSpan.FromSeconds(30));

        // Every offsets request is answered by the broker, but the answer never reaches the client.
        _proxy.DropResponses(ListOffsets, int.MaxValue);
        await PipelineTestKit.WaitUntilAsync(() => Check() is { Status: HealthStatus.Degraded } degraded
                && degraded.Description!.Contains($"{_topic}/0 ", StringComparison.Ordinal),
            "health Degraded naming the partition", TimeSpan.FromSeconds(30));
        Assert.Null(prober.CaughtUpAsOf(0, 2));

        _proxy.DropResponses(ListOffsets, 0);
        await PipelineTestKit.WaitUntilAsync(() => Check().Status == HealthStatus.Healthy, "health back to Healthy", TimeSpan.FromSeconds(30));
        await processor.StopAsync(cancellation).WaitAsync(TimeSpan.FromSeconds(30), cancellation);
    }
}
