using Pipeline.KafkaBroker;

namespace Pipeline.Tests.TestKit;

/// <summary>
/// What every pipeline test starts from: its own temporary folder, a fresh topic name and an
/// embedded broker on a free loopback port, all removed when the test ends.
/// </summary>
public abstract class BrokerRunTest(string name, int defaultPartitions = 1) : IAsyncLifetime
{
    protected string Root { get; } = Directory.CreateTempSubdirectory($"pipeline-{name}-").FullName;

    protected string Topic { get; } = name + "-" + Guid.NewGuid().ToString("N")[..8];

    protected KafkaBrokerServer Broker { get; set; } = null!;

    protected string OutputPath => Path.Combine(Root, "output");

    /// <summary>
    /// An in-process StreamProcessor on this run's broker and topic, with short triggers, 1 s windows
    /// and a quick group session, so a test sees commits and closed windows within a second or two.
    /// </summary>
    protected Dictionary<string, string?> ProcessorSettings(string runId, string? groupId = null) =>
        ProcessorTestSettings.Placement(Broker.BootstrapServers, Topic, OutputPath, runId, groupId, more: new Dictionary<string, string?>
        {
            ["Pipeline:Output:TriggerInterval"] = "00:00:00.300",
            ["Pipeline:Windowing:WindowSize"] = "00:00:01",
            ["Pipeline:Windowing:WatermarkDelay"] = "00:00:00.500",
            ["Pipeline:Windowing:IdleTimeout"] = "00:00:01",
            ["Pipeline:Windowing:UpdateInterval"] = "00:00:01",
            ["Kafka:Consumer:session.timeout.ms"] = "6000",
            ["Kafka:Consumer:heartbeat.interval.ms"] = "500",
        });

    public virtual async ValueTask InitializeAsync() =>
        Broker = await KafkaBrokerServer.StartAsync(new KafkaBrokerOptions { Port = 0, DefaultPartitions = defaultPartitions },
            cancellationToken: TestContext.Current.CancellationToken);

    public virtual async ValueTask DisposeAsync()
    {
        await Broker.DisposeAsync();
        Directory.Delete(Root, recursive: true);
        GC.SuppressFinalize(this);
    }
}
