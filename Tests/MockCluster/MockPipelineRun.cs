using System.Globalization;
using System.Text;
using Confluent.Kafka;
using Pipeline.StreamProcessor.Checkpointing;

namespace Pipeline.Tests.MockCluster;

/// <summary>
/// One pipeline on a three-broker mock cluster: topics <c>ev</c> (3 partitions), <c>ev.windows</c> (3) and <c>ev.dlq</c>
/// (1) with their leaders spread over the brokers, the group's coordinator on broker 1, and the real Producer and
/// StreamProcessor as OS processes configured as a user would (environment variables of the README's settings).
/// Everything (processes, cluster, temporary folder) goes when the run is disposed.
/// </summary>
internal sealed class MockPipelineRun : IAsyncDisposable
{
    public const string Topic = "ev";
    public const string WindowsTopic = Topic + ".windows";
    public const string DeadLetterTopic = Topic + ".dlq";
    public const int Partitions = 3;
    public const string GroupId = "pipeline";
    public const string RunId = "mock";
    public const long WindowMs = 1000;

    private readonly List<ServiceProcess> _processes = [];

    private MockPipelineRun(string name)
    {
        Root = Directory.CreateTempSubdirectory($"pipeline-mock-{name}-").FullName;
        Cluster = MockKafkaCluster.Start(brokerCount: 3);
        Cluster.CreateTopic(Topic, Partitions);
        Cluster.CreateTopic(WindowsTopic, Partitions);
        Cluster.CreateTopic(DeadLetterTopic, 1);
        // ev[p] and ev.windows[p] on broker p+1; the DLQ on broker 3; the group on broker 1 (a scenario moves any of them).
        Cluster.SpreadLeaders(Topic, Partitions);
        Cluster.SpreadLeaders(WindowsTopic, Partitions);
        Cluster.SetPartitionLeader(DeadLetterTopic, 0, 3);
        Cluster.SetCoordinator("group", GroupId, 1);
    }

    public MockKafkaCluster Cluster { get; }

    public string Root { get; }

    public string OutputPath => Path.Combine(Root, "output");

    public string BootstrapServers => Cluster.BootstrapServers;

    public CheckpointStore Checkpoints => TestRun.Local(OutputPath, RunId).Checkpoints;

    public static MockPipelineRun Start(string name) => new(name);

    /// <summary>A StreamProcessor with 1 s windows, a 2 s watermark delay and a 5 s idle timeout (short, so a run ends soon).</summary>
    public ServiceProcess StartProcessor() => Track(ServiceProcess.Start("StreamProcessor", new Dictionary<string, string>
    {
        ["ConnectionStrings__kafka"] = BootstrapServers,
        ["Pipeline__Processor__Topic"] = Topic,
        ["Pipeline__Processor__GroupId"] = GroupId,
        ["Pipeline__Output__OutputPath"] = OutputPath,
        ["Pipeline__Output__RunId"] = RunId,
        ["Pipeline__Output__TriggerInterval"] = "00:00:00.500",
        ["Pipeline__Windowing__WindowSize"] = "00:00:01",
        ["Pipeline__Windowing__WatermarkDelay"] = "00:00:02",
        ["Pipeline__Windowing__IdleTimeout"] = "00:00:05",
        ["Kafka__Consumer__session.timeout.ms"] = "6000",
        ["Kafka__Consumer__heartbeat.interval.ms"] = "500",
        ["Logging__LogLevel__Default"] = "Information",
    }));

    /// <summary>The Producer, sending <paramref name="total"/> events at <paramref name="perSecond"/> and exiting when done.</summary>
    public ServiceProcess StartProducer(int total, int perSecond, TimeSpan flushTimeout, int seed = 7) =>
        Track(ServiceProcess.Start("Producer", new Dictionary<string, string>
        {
            ["ConnectionStrings__kafka"] = BootstrapServers,
            ["Pipeline__Producer__Topic"] = Topic,
            ["Pipeline__Producer__MessagesPerSecond"] = perSecond.ToString(CultureInfo.InvariantCulture),
            ["Pipeline__Producer__TotalMessages"] = total.ToString(CultureInfo.InvariantCulture),
            ["Pipeline__Producer__ExitWhenDone"] = "true",
            ["Pipeline__Producer__Seed"] = seed.ToString(CultureInfo.InvariantCulture),
            ["Pipeline__Producer__FlushTimeout"] = flushTimeout.ToString("c", CultureInfo.InvariantCulture),
            ["Logging__LogLevel__Default"] = "Information",
        }));

    /// <summary>Malformed events (a string value), keyed like the Producer's ids so they land on every partition.</summary>
    public void ProduceMalformed(int count)
    {
        var ts = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);
        PipelineTestKit.ProduceRaw(BootstrapServers, Topic, Enumerable.Range(0, count).Select(i =>
            ((string?)(i % 10).ToString(CultureInfo.InvariantCulture),
             Encoding.UTF8.GetBytes($$"""{"id":{{i % 10}},"ts":"{{ts}}","value":"oops-{{i}}"}"""))));
    }

    /// <summary>Messages in <see cref="Topic"/> so far (sum of the high watermarks); -1 while a leader cannot answer.</summary>
    public long InputCount()
    {
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = BootstrapServers, GroupId = "watermarks" }).Build();
        try
        {
            return Enumerable.Range(0, Partitions)
                .Sum(p => consumer.QueryWatermarkOffsets(new TopicPartition(Topic, p), TimeSpan.FromSeconds(2)).High.Value);
        }
        catch (KafkaException)
        {
            return -1;
        }
    }

    public Task WaitForInputAsync(long atLeast, TimeSpan timeout) =>
        PipelineTestKit.WaitUntilAsync(InputCount, count => count >= atLeast, count => $"{atLeast} messages in {Topic} (has {count})", timeout,
            TimeSpan.FromMilliseconds(200));

    /// <summary>Offsets checkpointed so far over every partition.</summary>
    public async Task<long> CommittedAsync()
    {
        long committed = 0;
        for (var p = 0; p < Partitions; p++)
        {
            committed += (await Checkpoints.LoadAsync(Topic, p, TestContext.Current.CancellationToken))?.NextOffset ?? 0;
        }

        return committed;
    }

    /// <summary>
    /// Waits until the checkpoints stand at every partition's end with no open window; fails at once, with its last
    /// lines, if one of <paramref name="processors"/> exits first.
    /// </summary>
    public async Task WaitForCompleteOutputAsync(long expectedMessages, TimeSpan timeout, IReadOnlyList<ServiceProcess> processors)
    {
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = BootstrapServers, GroupId = "watermarks" }).Build();
        var store = Checkpoints;
        await PipelineTestKit.WaitUntilAsync(
            async () =>
            {
                if (processors.FirstOrDefault(p => p.HasExited) is { } exited)
                {
                    Assert.Fail($"A processor exited before the output was complete. Its last lines:\n{MockClusterScenarioTests.Tail(exited.Output)}");
                }

                var states = new List<string>();
                var complete = true;
                long total = 0;
                for (var p = 0; p < Partitions; p++)
                {
                    var high = consumer.QueryWatermarkOffsets(new TopicPartition(Topic, p), TimeSpan.FromSeconds(5)).High.Value;
                    var checkpoint = await store.LoadAsync(Topic, p, TestContext.Current.CancellationToken);
                    total += high;
                    states.Add($"p{p}: {checkpoint?.NextOffset}/{high}, {checkpoint?.OpenWindows.Count} open");
                    complete &= checkpoint is not null && checkpoint.NextOffset == high && checkpoint.OpenWindows.Count == 0;
                }

                return (Done: complete && total >= expectedMessages, State: string.Join("; ", states));
            },
            static state => state.Done,
            state => $"the output to become complete ({expectedMessages} messages): {state.State}",
            timeout,
            TimeSpan.FromMilliseconds(200));
    }

    /// <summary>Reads back the topics and the run folder and compares them (see <see cref="PipelineOutcome"/>).</summary>
    public async Task<PipelineOutcome> OutcomeAsync(int malformed)
    {
        long late = 0;
        for (var p = 0; p < Partitions; p++)
        {
            late += (await Checkpoints.LoadAsync(Topic, p, TestContext.Current.CancellationToken))?.LateEvents ?? 0;
        }

        var outcome = PipelineOutcome.Read(BootstrapServers, TestRun.Local(OutputPath, RunId).Directory, malformed, late);
        TestContext.Current.TestOutputHelper?.WriteLine(outcome.ToString());
        return outcome;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _processes)
        {
            process.Dispose();
        }

        await Cluster.DisposeAsync();
        Directory.Delete(Root, recursive: true);
    }

    private ServiceProcess Track(ServiceProcess process)
    {
        _processes.Add(process);
        return process;
    }
}
