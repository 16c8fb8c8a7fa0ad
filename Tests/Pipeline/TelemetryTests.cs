using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Pipeline.KafkaBroker;
using Pipeline.Producer.Telemetry;
using Pipeline.StreamProcessor.Telemetry;

namespace Pipeline.Tests.Pipeline;

/// <summary>The documented spans and metrics are emitted, and one trace runs from publish to process.</summary>
public sealed class TelemetryTests : IAsyncLifetime
{
    private readonly string _root = Directory.CreateTempSubdirectory("pipeline-telemetry-").FullName;
    private readonly string _topic = "telemetry-" + Guid.NewGuid().ToString("N")[..8];
    private KafkaBrokerServer _broker = null!;

    public async ValueTask InitializeAsync() =>
        _broker = await KafkaBrokerServer.StartAsync(new KafkaBrokerOptions { Port = 0 }, cancellationToken: TestContext.Current.CancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _broker.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task Pipeline_EmitsDocumentedSpansAndMetrics_AndLinksPublishToProcess()
    {
        // Arrange
        const int Events = 50;
        await PipelineTestKit.CreateTopicAsync(_broker.BootstrapServers, _topic, partitions: 1);
        var activities = new List<Activity>();
        var metrics = new List<Metric>();
        void Telemetry(IServiceCollection services)
        {
            services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(activities));
            services.ConfigureOpenTelemetryMeterProvider(meters => meters.AddInMemoryExporter(metrics));
        }

        var output = Path.Combine(_root, "output");
        var producerSettings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:kafka"] = _broker.BootstrapServers,
            ["Pipeline:Producer:Topic"] = _topic,
            ["Pipeline:Producer:TotalMessages"] = Events.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Pipeline:Producer:Unthrottled"] = "true",
        };
        var processorSettings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:kafka"] = _broker.BootstrapServers,
            ["Pipeline:Processor:Topic"] = _topic,
            ["Pipeline:Processor:GroupId"] = "group-" + _topic,
            ["Pipeline:Output:OutputPath"] = output,
            ["Pipeline:Output:RunId"] = "telemetry",
            ["Pipeline:Output:TriggerInterval"] = "00:00:00.200",
        };

        // Act
        // One host exports: its providers listen to every Pipeline.* source and meter in the process.
        await using (var producer = ServiceHosts.BuildProducer(_root, producerSettings))
        await using (var processor = ServiceHosts.BuildStreamProcessor(_root, processorSettings, Telemetry))
        {
            await processor.StartAsync(TestContext.Current.CancellationToken);
            await producer.StartAsync(TestContext.Current.CancellationToken);
            await WaitForCheckpointAsync(output, Events);
            await producer.StopAsync(TestContext.Current.CancellationToken);
            await processor.StopAsync(TestContext.Current.CancellationToken);
        }

        // Assert: spans
        List<Activity> spans;
        lock (activities)
        {
            spans = [.. activities];
        }

        var publishes = spans.Where(a => a.Source.Name == ProducerTelemetry.Name && a.DisplayName == _topic + " publish").ToList();
        var processes = spans.Where(a => a.Source.Name == ProcessorTelemetry.Name && a.DisplayName == _topic + " process").ToList();
        Assert.Equal(ActivityKind.Producer, Assert.IsType<Activity>(publishes.FirstOrDefault()).Kind);
        Assert.Equal(ActivityKind.Consumer, Assert.IsType<Activity>(processes.FirstOrDefault()).Kind);
        Assert.Contains(spans, a => a.DisplayName == _topic + " commit");
        var linked = processes.Count(process => publishes.Any(publish =>
            publish.TraceId == process.TraceId && publish.SpanId == process.ParentSpanId));
        Assert.Equal(Events, linked);

        // Assert: metrics
        var names = metrics.Select(m => m.Name).ToHashSet();
        Assert.Contains(ProducerTelemetry.Names.Sent, names);
        Assert.Contains(ProducerTelemetry.Names.DeliveryLatency, names);
        Assert.Contains(ProcessorTelemetry.Names.Consumed, names);
        Assert.Contains(ProcessorTelemetry.Names.RowsCommitted, names);
        Assert.Contains(ProcessorTelemetry.Names.FilesCommitted, names);
        Assert.Contains(ProcessorTelemetry.Names.BatchDuration, names);
    }

    private async Task WaitForCheckpointAsync(string output, long expected)
    {
        var store = new global::Pipeline.StreamProcessor.Checkpointing.CheckpointStore(
            Microsoft.Extensions.Options.Options.Create(new global::Pipeline.StreamProcessor.Sinks.SinkOptions { OutputPath = output, RunId = "telemetry" }));
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while ((await store.LoadAsync(_topic, 0, TestContext.Current.CancellationToken))?.NextOffset != expected)
        {
            Assert.True(DateTime.UtcNow < deadline, "The processor did not commit every event in time.");
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }
}
