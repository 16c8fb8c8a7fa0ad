using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Pipeline.StreamProcessor.Telemetry;

namespace Pipeline.Tests.Reliability;

/// <summary>
/// The output becomes unwritable mid-run (a file takes the place of the raw events folder, which
/// fails even for root, unlike permissions): the processor stops committing, reports unhealthy, logs
/// the cause once, and resumes without loss or duplicates when the folder is back.
/// </summary>
public sealed class DiskTroubleTests() : BrokerRunTest("disk", defaultPartitions: 3)
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);

    /// <summary>Failed commits to see before judging the log: retries every 200-400 ms, so a few seconds.</summary>
    private const int FailedCommits = 10;
    private readonly CapturingLoggerProvider _logs = new();

    private string RunDirectory => TestRun.Local(OutputPath, "disk").Directory;

    public override async ValueTask DisposeAsync()
    {
        _logs.Dispose();
        await base.DisposeAsync();
    }

    [Fact]
    public async Task OutputUnwritableMidRun_PausesCommitsUnhealthyLogsOnce_ThenResumesExactlyOnce()
    {
        // Arrange: a first part of the run is committed normally.
        await PipelineTestKit.CreateTopicAsync(Broker.BootstrapServers, Topic, partitions: 3);
        PipelineTestKit.ProduceRaw(Broker.BootstrapServers, Topic, Events(0, 300, TimeSpan.Zero));
        await using var processor = ServiceHosts.BuildStreamProcessor(Root, Settings(), services => services.AddSingleton<ILoggerProvider>(_logs));
        using var sinkFailures = new SinkFailureCounter(processor);
        await processor.StartAsync(TestContext.Current.CancellationToken);
        await PipelineTestKit.WaitForCompleteOutputAsync(OutputPath, "disk", Broker.BootstrapServers, Topic, 3, s_timeout, 300);
        var failuresBeforeOutage = sinkFailures.Count;

        // Act 1: the events folder is replaced by a file, and more events arrive.
        var events = Path.Combine(RunDirectory, "events");
        var aside = Path.Combine(Root, "events-aside");
        Directory.Move(events, aside);
        await File.WriteAllTextAsync(events, "not a folder", TestContext.Current.CancellationToken);
        // An hour later in event time: the first part's partitions went idle meanwhile, and idle time
        // advances their watermark with the wall clock, which would make events close behind it late.
        PipelineTestKit.ProduceRaw(Broker.BootstrapServers, Topic, Events(300, 300, TimeSpan.FromHours(1)));
        await PipelineTestKit.WaitUntilAsync(async () => (await HealthAsync(processor)).Status == HealthStatus.Unhealthy, "the processor to report unhealthy", s_timeout);
        var checkpointsDuringOutage = await CheckpointTotalAsync();
        // The processor keeps retrying: only after many failed commits does "logged once" say anything.
        var failuresInOutage = await PipelineTestKit.WaitUntilAsync(
            () => sinkFailures.Count, static count => count >= FailedCommits,
            count => $"{FailedCommits} failed commits (pipeline.sink.failures), {count} so far", s_timeout);
        var checkpointsLaterInOutage = await CheckpointTotalAsync();
        var sinkFailureLogs = _logs.Entries.Count(static e => e.Level == LogLevel.Error && e.Message.StartsWith("Writing partition", StringComparison.Ordinal));
        var unhealthy = await HealthAsync(processor);

        // Act 2: the folder comes back.
        File.Delete(events);
        Directory.Move(aside, events);
        await PipelineTestKit.WaitForCompleteOutputAsync(OutputPath, "disk", Broker.BootstrapServers, Topic, 3, s_timeout, 600);
        var healthy = await HealthAsync(processor);
        await processor.StopAsync(TestContext.Current.CancellationToken);

        // Assert
        Assert.Equal(0, failuresBeforeOutage);
        Assert.True(failuresInOutage >= FailedCommits, $"Only {failuresInOutage} failed commits seen during the outage.");
        Assert.Equal(300, checkpointsDuringOutage);
        Assert.Equal(300, checkpointsLaterInOutage);
        Assert.Equal(1, sinkFailureLogs);
        Assert.Contains(unhealthy.Entries, static e => e.Key == "sink" && e.Value.Status == HealthStatus.Unhealthy);
        Assert.Equal(HealthStatus.Healthy, healthy.Entries["sink"].Status);
        PipelineTestKit.AssertExactlyOnce(Broker.BootstrapServers, Topic, RunDirectory, expectedValid: 600, windowMs: 1000);
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

    /// <summary>The processor's <c>pipeline.sink.failures</c> counter, this host's instrument only (other tests run processors alongside).</summary>
    private sealed class SinkFailureCounter : IDisposable
    {
        private readonly MeterListener _listener = new();
        private long _count;

        public SinkFailureCounter(WebApplication processor)
        {
            var instrument = processor.Services.GetRequiredService<ProcessorTelemetry>().SinkFailures;
            _listener.InstrumentPublished = (published, listener) =>
            {
                if (ReferenceEquals(published, instrument))
                {
                    listener.EnableMeasurementEvents(published);
                }
            };
            _listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref _count, value));
            _listener.Start();
        }

        public long Count => Interlocked.Read(ref _count);

        public void Dispose() => _listener.Dispose();
    }

    private static Task<HealthReport> HealthAsync(WebApplication processor) =>
        processor.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(TestContext.Current.CancellationToken);

    private async Task<long> CheckpointTotalAsync()
    {
        var store = TestRun.Local(OutputPath, "disk").Checkpoints;
        long total = 0;
        for (var p = 0; p < 3; p++)
        {
            total += (await store.LoadAsync(Topic, p, TestContext.Current.CancellationToken))?.NextOffset ?? 0;
        }

        return total;
    }

    /// <summary>Quick retries, so an outage of a few seconds sees several of them.</summary>
    private Dictionary<string, string?> Settings()
    {
        var settings = ProcessorSettings("disk");
        settings["Pipeline:Processor:SinkRetryBackoff"] = "00:00:00.200";
        settings["Pipeline:Processor:MaxSinkRetryBackoff"] = "00:00:00.400";
        return settings;
    }
}
