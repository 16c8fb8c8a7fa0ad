using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Pipeline.Producer.Telemetry;
using Pipeline.StreamProcessor.Telemetry;

namespace Pipeline.Tests.Pipeline;

/// <summary>The documented spans and metrics are emitted, and one trace runs from publish to process.</summary>
public sealed class TelemetryTests() : BrokerRunTest("telemetry")
{

    [Fact]
    public async Task Pipeline_EmitsDocumentedSpansAndMetrics_AndLinksPublishToProcess()
    {
        // Arrange
        const int Events = 50;
        await PipelineTestKit.CreateTopicAsync(Broker.BootstrapServers, Topic, partitions: 1);
        var activities = new List<Activity>();
        var metrics = new List<Metric>();
        void Telemetry(IServiceCollection services)
        {
            services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(activities));
            services.ConfigureOpenTelemetryMeterProvider(meters => meters.AddInMemoryExporter(metrics));
        }

        var output = Path.Combine(Root, "output");
        var producerSettings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:kafka"] = Broker.BootstrapServers,
            ["Pipeline:Producer:Topic"] = Topic,
            ["Pipeline:Producer:TotalMessages"] = Events.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Pipeline:Producer:Unthrottled"] = "true",
        };
        var processorSettings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:kafka"] = Broker.BootstrapServers,
            ["Pipeline:Processor:Topic"] = Topic,
            ["Pipeline:Processor:GroupId"] = "group-" + Topic,
            ["Pipeline:Output:OutputPath"] = output,
            ["Pipeline:Output:RunId"] = "telemetry",
            ["Pipeline:Output:TriggerInterval"] = "00:00:00.200",
        };

        // Act
        // One host exports: its providers listen to every Pipeline.* source and meter in the process.
        await using (var producer = ServiceHosts.BuildProducer(Root, producerSettings))
        await using (var processor = ServiceHosts.BuildStreamProcessor(Root, processorSettings, Telemetry))
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

        var publishes = spans.Where(a => a.Source.Name == ProducerTelemetry.Name && a.DisplayName == Topic + " publish").ToList();
        var processes = spans.Where(a => a.Source.Name == ProcessorTelemetry.Name && a.DisplayName == Topic + " process").ToList();
        Assert.Equal(ActivityKind.Producer, Assert.IsType<Activity>(publishes.FirstOrDefault()).Kind);
        Assert.Equal(ActivityKind.Consumer, Assert.IsType<Activity>(processes.FirstOrDefault()).Kind);
        Assert.Contains(spans, a => a.DisplayName == Topic + " commit");
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
        while ((await store.LoadAsync(Topic, 0, TestContext.Current.CancellationToken))?.NextOffset != expected)
        {
            Assert.True(DateTime.UtcNow < deadline, "The processor did not commit every event in time.");
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }
}
