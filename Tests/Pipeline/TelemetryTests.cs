using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Pipeline.Producer.Telemetry;
using Pipeline.StreamProcessor.Telemetry;

namespace Pipeline.Tests.Pipeline;

/// <summary>
/// The spans and metrics follow the current OpenTelemetry messaging conventions (names spelled out here, not read
/// from the constants, so a rename is a test failure), and one trace runs from send to process. Other tests emit
/// the same instruments in this process: every assertion looks only at this test's topic.
/// </summary>
public sealed class TelemetryTests() : BrokerRunTest("telemetry")
{

    [Fact]
    public async Task Pipeline_EmitsMessagingConventionSpansAndMetrics_AndLinksSendToProcess()
    {
        // Arrange
        const int Events = 50;
        await PipelineTestKit.CreateTopicAsync(Broker.BootstrapServers, Topic, partitions: 1);
        var activities = new List<Activity>();
        var metrics = new List<MetricSnapshot>();
        void Telemetry(IServiceCollection services)
        {
            services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(activities));
            // Delta: every export holds only what happened since the last, so summing all of them gives the totals.
            services.ConfigureOpenTelemetryMeterProvider(meters => meters.AddInMemoryExporter(metrics,
                reader => reader.TemporalityPreference = MetricReaderTemporalityPreference.Delta));
        }

        var group = "group-" + Topic;

        var output = Path.Combine(Root, "output");
        var producerSettings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:kafka"] = Broker.BootstrapServers,
            ["Pipeline:Producer:Topic"] = Topic,
            ["Pipeline:Producer:TotalMessages"] = Events.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Pipeline:Producer:Unthrottled"] = "true",
        };
        var processorSettings = ProcessorTestSettings.Placement(Broker.BootstrapServers, Topic, output, "telemetry", group,
            more: new Dictionary<string, string?> { ["Pipeline:Output:TriggerInterval"] = "00:00:00.200" });

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

        // Assert: spans, {operation} {destination}
        List<Activity> spans;
        lock (activities)
        {
            spans = [.. activities];
        }

        var sends = spans.Where(a => a.Source.Name == ProducerTelemetry.Name && a.DisplayName == "send " + Topic).ToList();
        var processes = spans.Where(a => a.Source.Name == ProcessorTelemetry.Name && a.DisplayName == "process " + Topic).ToList();
        var commits = spans.Where(a => a.Source.Name == ProcessorTelemetry.Name && a.DisplayName == "commit " + Topic).ToList();
        Assert.Equal(Events, sends.Count);
        Assert.All(sends, send =>
        {
            Assert.Equal(ActivityKind.Producer, send.Kind);
            AssertMessagingTags(send, "send", "send");
            Assert.Equal("0", send.GetTagItem("messaging.destination.partition.id"));
            Assert.IsType<long>(send.GetTagItem("messaging.kafka.offset"));
        });
        Assert.Equal(Events, processes.Count);
        Assert.All(processes, process =>
        {
            Assert.Equal(ActivityKind.Consumer, process.Kind);
            AssertMessagingTags(process, "process", "process");
            Assert.Equal(group, process.GetTagItem("messaging.consumer.group.name"));
            Assert.Equal("0", process.GetTagItem("messaging.destination.partition.id"));
            Assert.IsType<long>(process.GetTagItem("messaging.kafka.offset"));
        });
        Assert.NotEmpty(commits);
        Assert.All(commits, commit =>
        {
            Assert.Equal(ActivityKind.Client, commit.Kind);
            AssertMessagingTags(commit, "commit", "settle");
            Assert.Equal(group, commit.GetTagItem("messaging.consumer.group.name"));
        });
        var linked = processes.Count(process => sends.Any(send =>
            send.TraceId == process.TraceId && send.SpanId == process.ParentSpanId));
        Assert.Equal(Events, linked);
        // Each batch's commit span counts its messages and links the producers' spans of the first 32.
        var sendSpans = sends.Select(static send => (send.TraceId, send.SpanId)).ToHashSet();
        Assert.All(commits, commit =>
        {
            var count = Assert.IsType<int>(commit.GetTagItem("messaging.batch.message_count"));
            Assert.Equal(Math.Min(count, 32), commit.Links.Count());
            Assert.All(commit.Links, link => Assert.Contains((link.Context.TraceId, link.Context.SpanId), sendSpans));
        });
        Assert.Equal(Events, commits.Sum(static commit => (int)commit.GetTagItem("messaging.batch.message_count")!));

        // Assert: metrics, only measurements tagged with this test's topic
        List<MetricSnapshot> exported;
        lock (metrics)
        {
            exported = [.. metrics];
        }

        var sent = Points(exported, ProducerTelemetry.Name, "messaging.client.sent.messages", "{message}");
        Assert.All(sent, point => AssertMetricTags(point, "send"));
        Assert.Equal(Events, sent.Where(point => Tag(point, "error.type") is null).Sum(point => point.GetSumLong()));
        var sendDuration = Points(exported, ProducerTelemetry.Name, "messaging.client.operation.duration", "s");
        Assert.All(sendDuration, point => AssertMetricTags(point, "send"));
        Assert.Equal(Events, sendDuration.Sum(point => point.GetHistogramCount()));
        var consumed = Points(exported, ProcessorTelemetry.Name, "messaging.client.consumed.messages", "{message}");
        Assert.All(consumed, point => AssertMetricTags(point, "process"));
        Assert.All(consumed, point => Assert.Equal(group, Tag(point, "messaging.consumer.group.name")));
        Assert.Equal(Events, consumed.Sum(point => point.GetSumLong()));
        var processDuration = Points(exported, ProcessorTelemetry.Name, "messaging.process.duration", "s");
        Assert.All(processDuration, point => AssertMetricTags(point, "process"));
        Assert.Equal(Events, processDuration.Sum(point => point.GetHistogramCount()));
        Assert.Equal(Events, Points(exported, ProcessorTelemetry.Name, "pipeline.parquet.rows", "{row}").Sum(point => point.GetSumLong()));
        Assert.True(Points(exported, ProcessorTelemetry.Name, "pipeline.parquet.files", "{file}").Sum(point => point.GetSumLong()) > 0);
        Assert.True(Points(exported, ProcessorTelemetry.Name, "pipeline.batch.duration", "ms").Sum(point => point.GetHistogramCount()) > 0);

        void AssertMessagingTags(Activity span, string operationName, string operationType)
        {
            Assert.Equal("kafka", span.GetTagItem("messaging.system"));
            Assert.Equal(Topic, span.GetTagItem("messaging.destination.name"));
            Assert.Equal(operationName, span.GetTagItem("messaging.operation.name"));
            Assert.Equal(operationType, span.GetTagItem("messaging.operation.type"));
        }

        void AssertMetricTags(MetricPoint point, string operationName)
        {
            Assert.Equal("kafka", Tag(point, "messaging.system"));
            Assert.Equal(operationName, Tag(point, "messaging.operation.name"));
        }

        List<MetricPoint> Points(List<MetricSnapshot> snapshots, string meter, string name, string unit)
        {
            var streams = snapshots.Where(m => m.MeterName == meter && m.Name == name).ToList();
            Assert.True(streams.Count > 0, $"{meter} exported no {name}.");
            Assert.All(streams, m => Assert.Equal(unit, m.Unit));
            var points = streams.SelectMany(m => m.MetricPoints).Where(point => Equals(Tag(point, "messaging.destination.name"), Topic)).ToList();
            Assert.True(points.Count > 0, $"{name} has no measurement tagged with this test's topic {Topic}.");
            return points;
        }
    }

    private static object? Tag(MetricPoint point, string key)
    {
        foreach (var tag in point.Tags)
        {
            if (tag.Key == key)
            {
                return tag.Value;
            }
        }

        return null;
    }

    private async Task WaitForCheckpointAsync(string output, long expected)
    {
        var store = TestRun.Local(output, "telemetry").Checkpoints;
        await PipelineTestKit.WaitUntilAsync(
            async () => (await store.LoadAsync(Topic, 0, TestContext.Current.CancellationToken))?.NextOffset,
            next => next == expected,
            next => $"the processor to commit every event ({next?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "no checkpoint"} of {expected})",
            TimeSpan.FromSeconds(60));
    }
}
