using System.Globalization;
using System.Text;
using Pipeline.StreamProcessor.Checkpointing;

namespace Pipeline.Tests.Reliability;

/// <summary>
/// The StreamProcessor as a separate OS process, killed with SIGKILL at random points, many times
/// in a row, restarted each time: the output still holds every valid event exactly once and the
/// aggregates still equal those recomputed from the raw rows. The seed is printed so a failure
/// can be replayed (PIPELINE_KILL_SEED=...). Once with the output in a local folder, once in a container of a
/// real Azurite (no rename there: create-only data blobs, ETag-checked checkpoints), whose blobs are copied out
/// for DuckDB's check.
/// </summary>
[Trait("Category", "Long")]
[Collection(AzuriteCollection.Name)]
public sealed class ProcessorKillTests(AzuriteFixture azurite) : BrokerRunTest("kill")
{
    private BlobRun? _blob;

    private const int Events = 200_000;
    private const int Malformed = 200;
    private const int Kills = 8;

    [Theory]
    [InlineData("folder")]
    [InlineData("blob")]
    public async Task Processor_KilledHardManyTimes_OutputHoldsEveryEventExactlyOnce(string output)
    {
        // Arrange
        if (output == "blob")
        {
            _blob = await BlobRun.CreateAsync(azurite.Server, "kill", TestContext.Current.CancellationToken);
        }

        var seed = int.TryParse(System.Environment.GetEnvironmentVariable("PIPELINE_KILL_SEED"), CultureInfo.InvariantCulture, out var s)
            ? s : Random.Shared.Next();
        TestContext.Current.TestOutputHelper?.WriteLine($"PIPELINE_KILL_SEED={seed}");
        var random = new Random(seed);
        await PipelineTestKit.CreateTopicAsync(Broker.BootstrapServers, Topic, partitions: 3);
        // The input arrives while the processor is being killed, so every kill lands mid-stream.
        var input = GenerateInput(random).ToList();
        var producing = Task.Run(() => PipelineTestKit.ProducePaced(Broker.BootstrapServers, Topic, input, perSecond: 8_000, chunk: 1000), TestContext.Current.CancellationToken);

        // Act: start, let it work for a random while, SIGKILL; again and again.
        var killedMidStream = 0;
        for (var kill = 0; kill < Kills; kill++)
        {
            using var processor = ServiceProcess.Start("StreamProcessor", ServiceEnvironment());
            await processor.WaitForOutputAsync("Partitions assigned", TimeSpan.FromSeconds(60));
            // Time passing is the point: the kill lands at a random moment of the run, not at a condition.
            await Task.Delay(TimeSpan.FromMilliseconds(random.Next(100, 1500)), TestContext.Current.CancellationToken);
            processor.KillHard();
            var committed = await CommittedAsync();
            killedMidStream += committed < Events + Malformed ? 1 : 0;
            TestContext.Current.TestOutputHelper?.WriteLine($"kill {kill + 1}: {committed} offsets checkpointed");
        }

        await producing;

        // The last run finishes the topic and stops gracefully.
        using (var last = ServiceProcess.Start("StreamProcessor", ServiceEnvironment()))
        {
            await last.WaitForOutputAsync("Partitions assigned", TimeSpan.FromSeconds(60));
            await PipelineTestKit.WaitForCompleteOutputAsync(Checkpoints(), Broker.BootstrapServers, Topic, 3, TimeSpan.FromMinutes(3), Events + Malformed);
            var exitCode = await last.TerminateAsync(TimeSpan.FromSeconds(30));
            Assert.True(exitCode == 0, $"Exit code {exitCode} after SIGTERM (seed {seed}). Output:\n{last.Output}");
        }

        // Assert
        Assert.True(killedMidStream >= Kills / 2, $"Only {killedMidStream} of {Kills} kills landed before the end of the input (seed {seed}).");
        var runDirectory = _blob is null
            ? TestRun.Local(OutputPath, "kill").Directory
            : await _blob.CopyOutAsync(Path.Combine(Root, "copied-out"), TestContext.Current.CancellationToken);
        if (_blob is not null)
        {
            Assert.False(Directory.Exists(OutputPath), "A run sent to blob storage wrote to the local output folder.");
        }

        PipelineTestKit.AssertExactlyOnce(Broker.BootstrapServers, Topic, runDirectory, Events, windowMs: 1000);
        var deadLetters = PipelineTestKit.ReadAll(Broker.BootstrapServers, Topic + ".dlq",
            PipelineTestKit.CountPartitions(Broker.BootstrapServers, Topic + ".dlq"), TimeSpan.FromSeconds(60));
        var distinct = deadLetters.Select(d => PipelineTestKit.HeaderText(d.Message.Headers, "dlq.origin.offset") + "/" +
            PipelineTestKit.HeaderText(d.Message.Headers, "dlq.origin.partition")).Distinct().Count();
        Assert.Equal(Malformed, distinct); // at least once to the dead-letter topic: every reject is there
    }

    private static IEnumerable<(string? Key, byte[] Value)> GenerateInput(Random random)
    {
        var start = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        var malformedEvery = Events / Malformed;
        for (var i = 0; i < Events; i++)
        {
            var id = i % 10;
            var ts = start.AddMilliseconds(i).ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);
            var value = Math.Round(random.NextDouble() * 100, 2).ToString(CultureInfo.InvariantCulture);
            yield return (id.ToString(CultureInfo.InvariantCulture),
                Encoding.UTF8.GetBytes($$"""{"id":{{id}},"ts":"{{ts}}","value":{{value}},"source":"kill-test"}"""));
            if (i % malformedEvery == 0)
            {
                yield return (id.ToString(CultureInfo.InvariantCulture), Encoding.UTF8.GetBytes($$"""{"id":{{id}},"ts":"{{ts}}","value":"oops"}"""));
            }
        }
    }

    private CheckpointStore Checkpoints() => _blob?.Checkpoints ?? TestRun.Local(OutputPath, "kill").Checkpoints;

    private Dictionary<string, string> ServiceEnvironment()
    {
        var environment = FolderEnvironment();
        if (_blob is not null)
        {
            environment[BlobRun.Variable] = _blob.ConnectionString;
        }

        return environment;
    }

    private Dictionary<string, string> FolderEnvironment() => new()
    {
        ["ConnectionStrings__kafka"] = Broker.BootstrapServers,
        ["Pipeline__Processor__Topic"] = Topic,
        ["Pipeline__Processor__GroupId"] = "group-" + Topic,
        ["Pipeline__Output__OutputPath"] = OutputPath,
        ["Pipeline__Output__RunId"] = "kill",
        ["Pipeline__Output__TriggerInterval"] = "00:00:00.100",
        ["Pipeline__Output__MaxBatchRows"] = "2000",
        // Compactions all the time, so kills land during them too (between a compacted file's commit and its deletes);
        // the last, graceful run's assignments delete what they left covered, so DuckDB's glob still reads each row once.
        ["Pipeline__Output__CompactionInterval"] = "00:00:01",
        ["Pipeline__Windowing__WindowSize"] = "00:00:01",
        ["Pipeline__Windowing__WatermarkDelay"] = "00:00:00.500",
        // Long enough that a restart under load never looks idle (an idle advance would make the backlog late), short
        // enough that the last windows close soon after the input ends.
        ["Pipeline__Windowing__IdleTimeout"] = "00:00:05",
        ["Kafka__Consumer__session.timeout.ms"] = "3000",
        ["Kafka__Consumer__heartbeat.interval.ms"] = "500",
        ["Logging__LogLevel__Default"] = "Information",
    };

    private async Task<long> CommittedAsync()
    {
        var store = Checkpoints();
        long committed = 0;
        long late = 0;
        for (var p = 0; p < 3; p++)
        {
            var checkpoint = await store.LoadAsync(Topic, p, TestContext.Current.CancellationToken);
            committed += Math.Max(0, checkpoint?.NextOffset ?? 0);
            late += checkpoint?.LateEvents ?? 0;
            TestContext.Current.TestOutputHelper?.WriteLine($"  p{p}: next {checkpoint?.NextOffset} watermark {checkpoint?.Watermark:o} max {checkpoint?.MaxEventTime:o} late {checkpoint?.LateEvents}");
        }

        return committed;
    }
}
