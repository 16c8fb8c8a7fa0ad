using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Pipeline.KafkaBroker;
using Pipeline.StreamProcessor.Checkpointing;
using Pipeline.StreamProcessor.Sinks;
using Pipeline.Tests.Kafka.Faults;
using Pipeline.Tests.Pipeline;

namespace Pipeline.Tests.Reliability;

/// <summary>
/// The output becomes unwritable mid-run (a file takes the place of the raw events folder, which
/// fails even for root, unlike permissions): the processor stops committing, reports unhealthy, logs
/// the cause once, and resumes without loss or duplicates when the folder is back.
/// </summary>
public sealed class DiskTroubleTests : IAsyncLifetime
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);
    private readonly string _root = Directory.CreateTempSubdirectory("pipeline-disk-").FullName;
    private readonly string _topic = "events-" + Guid.NewGuid().ToString("N")[..8];
    private readonly CapturingLoggerProvider _logs = new();
    private KafkaBrokerServer _broker = null!;

    private string OutputPath => Path.Combine(_root, "output");

    private string RunDirectory => Path.Combine(OutputPath, "run_disk");

    public async ValueTask InitializeAsync() =>
        _broker = await KafkaBrokerServer.StartAsync(new KafkaBrokerOptions { Port = 0, DefaultPartitions = 3 },
            cancellationToken: TestContext.Current.CancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _broker.DisposeAsync();
        _logs.Dispose();
        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task OutputUnwritableMidRun_PausesCommitsUnhealthyLogsOnce_ThenResumesExactlyOnce()
    {
        // Arrange: a first part of the run is committed normally.
        await PipelineTestKit.CreateTopicAsync(_broker.BootstrapServers, _topic, partitions: 3);
        PipelineTestKit.ProduceRaw(_broker.BootstrapServers, _topic, Events(0, 300, TimeSpan.Zero));
        await using var processor = ServiceHosts.BuildStreamProcessor(_root, Settings(), services => services.AddSingleton<ILoggerProvider>(_logs));
        await processor.StartAsync(TestContext.Current.CancellationToken);
        await PipelineTestKit.WaitForCompleteOutputAsync(OutputPath, "disk", _broker.BootstrapServers, _topic, 3, s_timeout, 300);

        // Act 1: the events folder is replaced by a file, and more events arrive.
        var events = Path.Combine(RunDirectory, "events");
        var aside = Path.Combine(_root, "events-aside");
        Directory.Move(events, aside);
        await File.WriteAllTextAsync(events, "not a folder", TestContext.Current.CancellationToken);
        // An hour later in event time: the first part's partitions went idle meanwhile, and idle time
        // advances their watermark with the wall clock, which would make events close behind it late.
        PipelineTestKit.ProduceRaw(_broker.BootstrapServers, _topic, Events(300, 300, TimeSpan.FromHours(1)));
        await WaitUntilAsync(async () => (await HealthAsync(processor)).Status == HealthStatus.Unhealthy, "the processor to report unhealthy");
        var checkpointsDuringOutage = await CheckpointTotalAsync();
        await Task.Delay(TimeSpan.FromSeconds(3), TestContext.Current.CancellationToken); // several retries (backoff 200 ms)
        var checkpointsLaterInOutage = await CheckpointTotalAsync();
        var sinkFailureLogs = _logs.Entries.Count(static e => e.Level == LogLevel.Error && e.Message.StartsWith("Writing partition", StringComparison.Ordinal));
        var unhealthy = await HealthAsync(processor);

        // Act 2: the folder comes back.
        File.Delete(events);
        Directory.Move(aside, events);
        await PipelineTestKit.WaitForCompleteOutputAsync(OutputPath, "disk", _broker.BootstrapServers, _topic, 3, s_timeout, 600);
        var healthy = await HealthAsync(processor);
        await processor.StopAsync(TestContext.Current.CancellationToken);

        // Assert
        Assert.Equal(300, checkpointsDuringOutage);
        Assert.Equal(300, checkpointsLaterInOutage);
        Assert.Equal(1, sinkFailureLogs);
        Assert.Contains(unhealthy.Entries, static e => e.Key == "sink" && e.Value.Status == HealthStatus.Unhealthy);
        Assert.Equal(HealthStatus.Healthy, healthy.Entries["sink"].Status);
        PipelineTestKit.AssertExactlyOnce(_broker.BootstrapServers, _topic, RunDirectory, expectedValid: 600, windowMs: 1000);
    }

    private static IEnumerable<(string? Key, byte[] Value)> Events(int first, int count, TimeSpan later)
    {
        var start = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc) + later;
        for (var i = first; i < first + count; i++)
        {
            var id = i % 10;
            var json = string.Create(CultureInfo.InvariantCulture,
                $$"""{"id":{{id}},"ts":"{{start.AddMilliseconds(i * 10):O}}","value":{{i % 100}}.5,"source":"disk-test"}""");
            yield return (id.ToString(CultureInfo.InvariantCulture), Encoding.UTF8.GetBytes(json));
        }
    }

    private static Task<HealthReport> HealthAsync(WebApplication processor) =>
        processor.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(TestContext.Current.CancellationToken);

    private async Task<long> CheckpointTotalAsync()
    {
        var store = new CheckpointStore(Options.Create(new SinkOptions { OutputPath = OutputPath, RunId = "disk" }));
        long total = 0;
        for (var p = 0; p < 3; p++)
        {
            total += (await store.LoadAsync(_topic, p, TestContext.Current.CancellationToken))?.NextOffset ?? 0;
        }

        return total;
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + s_timeout;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Timed out waiting for {what}.");
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }

    private Dictionary<string, string?> Settings() => new()
    {
        ["ConnectionStrings:kafka"] = _broker.BootstrapServers,
        ["Pipeline:Processor:Topic"] = _topic,
        ["Pipeline:Processor:GroupId"] = "group-" + _topic,
        ["Pipeline:Processor:SinkRetryBackoff"] = "00:00:00.200",
        ["Pipeline:Processor:MaxSinkRetryBackoff"] = "00:00:00.400",
        ["Pipeline:Output:OutputPath"] = OutputPath,
        ["Pipeline:Output:RunId"] = "disk",
        ["Pipeline:Output:TriggerInterval"] = "00:00:00.300",
        ["Pipeline:Windowing:WindowSize"] = "00:00:01",
        ["Pipeline:Windowing:WatermarkDelay"] = "00:00:00.500",
        ["Pipeline:Windowing:IdleTimeout"] = "00:00:01",
    };
}
