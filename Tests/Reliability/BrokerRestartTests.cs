using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Pipeline.KafkaBroker;
using Pipeline.Producer.Publishing;

namespace Pipeline.Tests.Reliability;

/// <summary>
/// The broker goes away mid-run and comes back on the same address with the same data: the
/// Producer (idempotent, unlimited delivery timeout) loses and duplicates nothing it was told was
/// delivered, the StreamProcessor resumes from its checkpoints and writes every event exactly once,
/// and both services say that they lost the brokers and that they reconnected.
/// </summary>
[Trait("Category", "Long")]
public sealed class BrokerRestartTests : IAsyncLifetime
{
    private const int Events = 1_600;
    private const int Partitions = 3;
    private readonly string _root = Directory.CreateTempSubdirectory("pipeline-restart-").FullName;
    private readonly string _topic = "restart-" + Guid.NewGuid().ToString("N")[..8];
    private KafkaBrokerServer? _broker;
    /// <summary>The port the first broker bound (it asked for any): the restarted broker comes back on it.</summary>
    private int _port;

    private string DataDirectory => Path.Combine(_root, "kafka");

    private string OutputPath => Path.Combine(_root, "output");

    private string BootstrapServers => "127.0.0.1:" + _port.ToString(CultureInfo.InvariantCulture);

    public async ValueTask InitializeAsync()
    {
        _broker = await StartBrokerAsync(port: 0);
        _port = _broker.Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (_broker is not null)
        {
            await _broker.DisposeAsync();
        }

        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task Pipeline_BrokerRestartedMidRun_EveryAcknowledgedEventExactlyOnceAndBothServicesReportTheOutage()
    {
        // Arrange
        await PipelineTestKit.CreateTopicAsync(BootstrapServers, _topic, Partitions);
        var producerLogs = new CapturingLoggerProvider();
        var processorLogs = new CapturingLoggerProvider();
        var producerSettings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:kafka"] = BootstrapServers,
            ["Pipeline:Producer:Topic"] = _topic,
            ["Pipeline:Producer:MessagesPerSecond"] = "200",
            ["Pipeline:Producer:TotalMessages"] = Events.ToString(CultureInfo.InvariantCulture),
            ["Pipeline:Producer:Seed"] = "42",
            // librdkafka's default backoff grows to 10 s: a short one keeps the test short.
            ["Kafka:Producer:reconnect.backoff.max.ms"] = "500",
        };
        var processorSettings = ProcessorTestSettings.Placement(BootstrapServers, _topic, OutputPath, "restart", more: new Dictionary<string, string?>
        {
            ["Pipeline:Output:TriggerInterval"] = "00:00:00.200",
            ["Pipeline:Windowing:WindowSize"] = "00:00:01",
            // Events created while the broker is away arrive seconds late: keep them inside the watermark.
            ["Pipeline:Windowing:WatermarkDelay"] = "00:00:08",
            ["Pipeline:Windowing:IdleTimeout"] = "00:00:01",
            ["Kafka:Consumer:reconnect.backoff.max.ms"] = "500",
            ["Kafka:Consumer:session.timeout.ms"] = "6000",
            ["Kafka:Consumer:heartbeat.interval.ms"] = "500",
            ["Kafka:Producer:reconnect.backoff.max.ms"] = "500",
        });
        var cancellation = TestContext.Current.CancellationToken;
        await using var producer = ServiceHosts.BuildProducer(_root, producerSettings, services => Capture(services, producerLogs));
        await using var processor = ServiceHosts.BuildStreamProcessor(_root, processorSettings, services => Capture(services, processorLogs));
        var publisher = producer.Services.GetRequiredService<EventPublisher>();
        await processor.StartAsync(cancellation);
        await producer.StartAsync(cancellation);
        await PipelineTestKit.WaitUntilAsync(() => publisher.Delivered >= 400, "400 deliveries before the restart", TimeSpan.FromSeconds(30));

        // Act: the broker goes away until both services have noticed, then comes back on the same port and data.
        await _broker!.DisposeAsync();
        _broker = null;
        var deliveredBeforeStop = publisher.Delivered;
        await PipelineTestKit.WaitUntilAsync(() => LostConnection(producerLogs) > 0 && LostConnection(processorLogs) > 0,
            "both services to report that they lost the broker", TimeSpan.FromSeconds(30));
        _broker = await StartBrokerAsync(_port);
        await PipelineTestKit.WaitUntilAsync(() => publisher.Delivered + publisher.Failed >= Events, $"{Events} deliveries", TimeSpan.FromSeconds(45));
        await producer.StopAsync(cancellation).WaitAsync(TimeSpan.FromSeconds(30), cancellation);
        await PipelineTestKit.WaitForCompleteOutputAsync(OutputPath, "restart", BootstrapServers, _topic, Partitions, TimeSpan.FromSeconds(45), Events);
        await processor.StopAsync(cancellation).WaitAsync(TimeSpan.FromSeconds(30), cancellation);

        // Assert
        TestContext.Current.TestOutputHelper?.WriteLine($"delivered {deliveredBeforeStop} before the stop, {publisher.Delivered} in all, {publisher.Failed} failed");
        Assert.True(deliveredBeforeStop < Events, "The producer had finished before the broker stopped.");
        Assert.Equal(0, publisher.Failed);
        Assert.Equal(Events, publisher.Delivered);
        // Exactly the acknowledged events in the topic (no loss, no duplicate), each once in Parquet,
        // every window equal to DuckDB's recomputation.
        PipelineTestKit.AssertExactlyOnce(BootstrapServers, _topic, TestRun.Local(OutputPath, "restart").Directory, Events, windowMs: 1000);
        AssertOutageReported(producerLogs, "Reconnected to Kafka: deliveries resumed");
        AssertOutageReported(processorLogs, "Reconnected to Kafka: consuming again");
    }

    private static void AssertOutageReported(CapturingLoggerProvider logs, string reconnected)
    {
        var entries = logs.Entries.ToList();
        var all = string.Join(Environment.NewLine, entries.Select(e => $"{e.Level}: {e.Message}"));
        var down = LostConnection(logs);
        var up = entries.Count(e => e.Level == LogLevel.Information && e.Message == reconnected);
        Assert.True(down >= 1, $"No outage warning. Logs:\n{all}");
        Assert.True(up >= 1, $"No '{reconnected}'. Logs:\n{all}");
        Assert.True(up <= down, $"More recoveries ({up}) than outages ({down}). Logs:\n{all}");
        Assert.True(down <= 3, $"The outage was reported {down} times: flooding. Logs:\n{all}");
    }

    private static int LostConnection(CapturingLoggerProvider logs) =>
        logs.Entries.Count(e => e.Level == LogLevel.Warning && e.Message.StartsWith("Lost the connection to every Kafka broker", StringComparison.Ordinal));

    private static void Capture(IServiceCollection services, CapturingLoggerProvider provider)
    {
        services.AddSingleton<ILoggerProvider>(provider);
        // The hosts keep Warning and above; this provider also keeps Information.
        services.Configure<LoggerFilterOptions>(options =>
            options.Rules.Add(new LoggerFilterRule(typeof(CapturingLoggerProvider).FullName, null, LogLevel.Information, null)));
    }

    private Task<KafkaBrokerServer> StartBrokerAsync(int port) =>
        KafkaBrokerServer.StartAsync(
            new KafkaBrokerOptions { Port = port, DataDirectory = DataDirectory },
            cancellationToken: TestContext.Current.CancellationToken);

}
