using System.Globalization;
using System.Text;
using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.KafkaBroker;
using Pipeline.StreamProcessor.Kafka;

namespace Pipeline.Tests.Pipeline;

/// <summary>
/// The StreamProcessor on a cluster that does not create topics on first use (the embedded broker with
/// <c>AutoCreateTopics = false</c>, as Confluent Cloud, MSK or Event Hubs): its topics are checked at start, missing
/// output topics created when allowed, and otherwise the start fails naming the topic and the command that creates it.
/// </summary>
public sealed class OutputTopicsTests() : BrokerRunTest("topics")
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);

    public override async ValueTask InitializeAsync() =>
        Broker = await KafkaBrokerServer.StartAsync(new KafkaBrokerOptions { Port = 0, AutoCreateTopics = false },
            cancellationToken: TestContext.Current.CancellationToken);

    [Fact]
    public async Task Start_OutputTopicsMissing_CreatesThem_WindowsWithTheInputsPartitions_AndTheRunCompletes()
    {
        // Arrange: only the input topic exists; one message in it will be dead-lettered.
        await PipelineTestKit.CreateTopicAsync(Broker.BootstrapServers, Topic, partitions: 3);
        Produce(20, malformed: 1);

        // Act
        await using var processor = ServiceHosts.BuildStreamProcessor(Root, ProcessorSettings("created"));
        await processor.StartAsync(TestContext.Current.CancellationToken);
        await WaitForCheckpointsAsync("created", 21);

        // Assert
        var topics = Topics();
        Assert.Equal(3, topics.GetValueOrDefault(Topic + ".windows"));
        Assert.Equal(1, topics.GetValueOrDefault(Topic + ".dlq"));
        Assert.Single(PipelineTestKit.ReadAll(Broker.BootstrapServers, Topic + ".dlq", 1, s_timeout));
    }

    [Fact]
    public async Task Start_OutputTopicMissingAndCreationOff_ExitsWithAMessageNamingTheTopicAndTheCommand()
    {
        // Arrange
        await PipelineTestKit.CreateTopicAsync(Broker.BootstrapServers, Topic, partitions: 3);

        // Act: a real process, so the operator's view is tested: the exit code and the log.
        using var processor = ServiceProcess.Start("StreamProcessor", Environment(("Pipeline__Processor__CreateTopics", "false")));
        var exitCode = await processor.WaitForExitAsync(s_timeout, TestContext.Current.CancellationToken);

        // Assert
        var output = processor.Output;
        Assert.True(exitCode == 1, $"Exit code {exitCode}. Output:\n{output}");
        Assert.Contains($"The output topic '{Topic}.windows' (Pipeline:Processor:WindowsTopic) does not exist", output, StringComparison.Ordinal);
        Assert.Contains($"kafka-topics --bootstrap-server {Broker.BootstrapServers} --create --topic {Topic}.windows --partitions 3", output, StringComparison.Ordinal);
        Assert.DoesNotContain(Topic + ".windows", Topics().Keys);
    }

    [Fact]
    public async Task Start_InputTopicMissing_ExitsWithAMessageNamingIt()
    {
        // Act: nothing exists on the cluster.
        using var processor = ServiceProcess.Start("StreamProcessor", Environment());
        var exitCode = await processor.WaitForExitAsync(s_timeout, TestContext.Current.CancellationToken);

        // Assert
        var output = processor.Output;
        Assert.True(exitCode == 1, $"Exit code {exitCode}. Output:\n{output}");
        Assert.Contains($"The input topic '{Topic}' (Pipeline:Processor:Topic) does not exist", output, StringComparison.Ordinal);
        Assert.DoesNotContain(Topics().Keys, t => t.StartsWith(Topic, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Run_BothOutputTopicsOff_WritesTheParquetOutput_AndCreatesOrUsesNoTopic()
    {
        // Arrange
        await PipelineTestKit.CreateTopicAsync(Broker.BootstrapServers, Topic, partitions: 1);
        Produce(20, malformed: 1);
        var settings = ProcessorSettings("off");
        settings["Pipeline:Processor:WindowsTopic"] = "none";
        settings["Pipeline:Processor:DeadLetterTopic"] = "None";

        // Act
        await using var processor = ServiceHosts.BuildStreamProcessor(Root, settings);
        await processor.StartAsync(TestContext.Current.CancellationToken);
        await WaitForCheckpointsAsync("off", 21);
        await processor.StopAsync(TestContext.Current.CancellationToken).WaitAsync(s_timeout, TestContext.Current.CancellationToken);

        // Assert: the stop's final commit (the last windows closed) succeeded: nothing waited for a topic.
        var worker = processor.Services.GetRequiredService<StreamProcessorWorker>();
        Assert.True(worker.ExecuteTask is { IsCompletedSuccessfully: true }, $"The worker ended {worker.ExecuteTask?.Status}: {worker.ExecuteTask?.Exception?.InnerException}");
        Assert.Equal(20, PipelineTestKit.CommittedRows(TestRun.Local(OutputPath, "off").Directory));
        Assert.Equal([Topic], Topics().Keys.Where(static t => !t.StartsWith("__", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
    }

    private Dictionary<string, string> Environment(params (string Key, string Value)[] extra)
    {
        var environment = new Dictionary<string, string>
        {
            ["ConnectionStrings__kafka"] = Broker.BootstrapServers,
            ["Pipeline__Processor__Topic"] = Topic,
            ["Pipeline__Processor__GroupId"] = "group-" + Topic,
            ["Pipeline__Output__OutputPath"] = OutputPath,
            ["Pipeline__Output__RunId"] = "process",
        };
        foreach (var (key, value) in extra)
        {
            environment[key] = value;
        }

        return environment;
    }

    private void Produce(int valid, int malformed) =>
        PipelineTestKit.ProduceRaw(Broker.BootstrapServers, Topic, Enumerable.Range(0, valid + malformed).Select(i =>
        {
            var ts = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddMilliseconds(i * 10).ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);
            var id = (i % 3).ToString(CultureInfo.InvariantCulture);
            return ((string?)id, i < valid ? Encoding.UTF8.GetBytes($$"""{"id":{{id}},"ts":"{{ts}}","value":{{i}}}""") : "not json"u8.ToArray());
        }));

    /// <summary>Waits until the run's checkpoints, summed over the topic's partitions, pass <paramref name="offsets"/> messages.</summary>
    private Task<long> WaitForCheckpointsAsync(string runId, long offsets)
    {
        var store = TestRun.Local(OutputPath, runId).Checkpoints;
        var partitions = PipelineTestKit.CountPartitions(Broker.BootstrapServers, Topic);
        return PipelineTestKit.WaitUntilAsync(
            async () =>
            {
                long sum = 0;
                for (var p = 0; p < partitions; p++)
                {
                    sum += Math.Max(0, (await store.LoadAsync(Topic, p, TestContext.Current.CancellationToken))?.NextOffset ?? 0);
                }

                return sum;
            },
            sum => sum >= offsets,
            sum => $"the checkpoints to pass {offsets} messages (at {sum})",
            s_timeout);
    }

    /// <summary>Every topic of the cluster and its partition count (a request naming none, so nothing is created).</summary>
    private Dictionary<string, int> Topics()
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = Broker.BootstrapServers }).Build();
        return admin.GetMetadata(TimeSpan.FromSeconds(10)).Topics.ToDictionary(static t => t.Topic, static t => t.Partitions.Count);
    }
}
