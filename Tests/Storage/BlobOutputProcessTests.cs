using System.Globalization;
using System.Text;
using Pipeline.Azurite;
using Pipeline.StreamProcessor.Sinks;

namespace Pipeline.Tests.Storage;

/// <summary>
/// The real StreamProcessor processes writing to a container of a real Azurite: two processes of one group share
/// one run, an Azurite restarted mid-run loses nothing, and credentials it refuses stop the start naming the
/// setting (never the key). Exactly once is checked by DuckDB on the blobs copied out.
/// </summary>
[Trait("Category", "Long")]
[Collection(AzuriteCollection.Name)]
public sealed class BlobOutputProcessTests(AzuriteFixture azurite) : BrokerRunTest("blobrun")
{
    private const string RunId = "blobrun";
    private const int Partitions = 4;
    private static readonly TimeSpan s_timeout = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task TwoProcessors_OneGroupOneContainer_OutputHoldsEveryEventExactlyOnce()
    {
        // Arrange
        var ct = TestContext.Current.CancellationToken;
        var run = await BlobRun.CreateAsync(azurite.Server, RunId, ct);
        await PipelineTestKit.CreateTopicAsync(Broker.BootstrapServers, Topic, Partitions);
        const int Events = 20_000;

        // Act: both processors run while the input arrives, and split the partitions between them.
        using var first = await StartAssignedAsync(run);
        using var second = await StartAssignedAsync(run);
        PipelineTestKit.ProduceRaw(Broker.BootstrapServers, Topic, Input(Events));
        await FinishExactlyOnceAsync(run, Events, first, second);

        // Assert: both were assigned partitions (each opened lanes of its own).
        Assert.Contains(" opened: ", first.Output, StringComparison.Ordinal);
        Assert.Contains(" opened: ", second.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FrozenProcessor_ItsPartitionsTakenOverWhileItIsStopped_ResumesAsAZombie_OutputHoldsEveryEventExactlyOnce()
    {
        // Arrange: the first processor owns every partition and commits while the input arrives.
        var ct = TestContext.Current.CancellationToken;
        var run = await BlobRun.CreateAsync(azurite.Server, RunId, ct);
        await PipelineTestKit.CreateTopicAsync(Broker.BootstrapServers, Topic, Partitions);
        const int Events = 40_000;
        using var zombie = await StartAssignedAsync(run);
        var input = Input(Events).ToList();
        var producing = Task.Run(() => PipelineTestKit.ProducePaced(Broker.BootstrapServers, Topic, input, perSecond: 4_000, chunk: 500), ct);
        await PipelineTestKit.WaitUntilAsync(async () => await CommittedAsync(run) > 0, "a first commit", TimeSpan.FromSeconds(60));

        // Act: freeze it mid-stream (SIGSTOP) with batches in flight; a second processor takes its partitions over
        // once its session expires, fences their checkpoints and goes on; then the first wakes up (SIGCONT) and
        // finishes what it was doing, as a zombie.
        await zombie.PauseAsync();
        using var owner = ServiceProcess.Start("StreamProcessor", Environment(run.ConnectionString));
        await owner.WaitForOutputAsync(" opened: ", TimeSpan.FromSeconds(60));
        await PipelineTestKit.WaitUntilAsync(
            () => owner.Output.Contains("Partitions assigned", StringComparison.Ordinal), "the new owner's assignment", TimeSpan.FromSeconds(60));
        await zombie.ResumeAsync();
        await producing;
        await PipelineTestKit.WaitForCompleteOutputAsync(run.Checkpoints, Broker.BootstrapServers, Topic, Partitions, s_timeout, Events);
        await zombie.TerminateAsync(TimeSpan.FromSeconds(30));
        await owner.TerminateAsync(TimeSpan.FromSeconds(30));

        // Assert: whatever the zombie wrote after waking (refused checkpoints, late blobs) left the run exactly once.
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"zombie refused by ETag: {zombie.Output.Contains("its checkpoint was written by another owner", StringComparison.Ordinal)}; " +
            $"zombie saw its partitions lost: {zombie.Output.Contains("lost", StringComparison.OrdinalIgnoreCase)}");
        var copied = await run.CopyOutAsync(Path.Combine(Root, "copied-out"), ct);
        PipelineTestKit.AssertExactlyOnce(Broker.BootstrapServers, Topic, copied, Events, windowMs: 1000);
    }

    [Fact]
    public async Task AzuriteRestartedMidRun_CommitsPauseAndResume_OutputHoldsEveryEventExactlyOnce()
    {
        // Arrange: an Azurite of this test's own, to stop and start again on its port and location.
        var ct = TestContext.Current.CancellationToken;
        azurite.RequireRunning();
        await using var server = await AzuriteServer.StartAsync(ct);
        var run = await BlobRun.CreateAsync(server, RunId, ct);
        await PipelineTestKit.CreateTopicAsync(Broker.BootstrapServers, Topic, Partitions);
        const int Events = 10_000;
        using var processor = await StartAssignedAsync(run);
        PipelineTestKit.ProduceRaw(Broker.BootstrapServers, Topic, Input(Events / 2));
        await PipelineTestKit.WaitUntilAsync(
            async () => await CommittedAsync(run) > 0, "a first commit to Azurite", TimeSpan.FromSeconds(60));

        // Act: Azurite goes away while the rest of the input arrives, and comes back.
        await server.StopAsync(graceful: true);
        PipelineTestKit.ProduceRaw(Broker.BootstrapServers, Topic, SecondHalf(Events));
        await processor.WaitForOutputAsync("Consumption paused", TimeSpan.FromSeconds(60));
        await server.RestartAsync(ct);
        await FinishExactlyOnceAsync(run, Events, processor);
    }

    [Fact]
    public async Task AzuriteDownWhileAPartitionMoves_TheNewOwnerWaitsForIt_OutputHoldsEveryEventExactlyOnce()
    {
        // Arrange: two processors share the partitions; Azurite goes away, and one processor dies with it.
        var ct = TestContext.Current.CancellationToken;
        azurite.RequireRunning();
        await using var server = await AzuriteServer.StartAsync(ct);
        var run = await BlobRun.CreateAsync(server, RunId, ct);
        await PipelineTestKit.CreateTopicAsync(Broker.BootstrapServers, Topic, Partitions);
        const int Events = 10_000;
        using var survivor = await StartAssignedAsync(run);
        using var victim = await StartAssignedAsync(run);
        PipelineTestKit.ProduceRaw(Broker.BootstrapServers, Topic, Input(Events / 2));
        await PipelineTestKit.WaitUntilAsync(
            async () => await CommittedAsync(run) >= Events / 2, "the first half committed to Azurite", TimeSpan.FromSeconds(60));

        // Act: the victim's partitions move to the survivor while the storage is down; the survivor's assignment
        // cannot read or fence their checkpoints until it is back.
        await server.StopAsync(graceful: true);
        victim.KillHard();
        PipelineTestKit.ProduceRaw(Broker.BootstrapServers, Topic, SecondHalf(Events));
        await survivor.WaitForOutputAsync("was assigned while the output fails", TimeSpan.FromSeconds(60));
        await server.RestartAsync(ct);
        await FinishExactlyOnceAsync(run, Events, survivor);
    }

    [Fact]
    public async Task Start_WithAKeyTheAccountRefuses_FailsNamingTheSettingWithoutTheKey()
    {
        // Arrange
        var ct = TestContext.Current.CancellationToken;
        azurite.RequireRunning();
        await PipelineTestKit.CreateTopicAsync(Broker.BootstrapServers, Topic, 1);
        string wrongKey = azurite.WrongKeyConnectionString + "ContainerName=refused;";

        // Act
        using var processor = ServiceProcess.Start("StreamProcessor", Environment(wrongKey));
        int exitCode = await processor.WaitForExitAsync(TimeSpan.FromSeconds(60), ct);

        // Assert
        Assert.NotEqual(0, exitCode);
        Assert.Contains(SinkOptions.OutputConnectionSetting + ": Azure Blob Storage refused access", processor.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToBase64String(new byte[64]), processor.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Partitions assigned", processor.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_WithAMalformedConnectionString_FailsNamingTheSetting()
    {
        // Arrange
        var ct = TestContext.Current.CancellationToken;
        const string Secret = "s3cr3t-not-a-connection-string";

        // Act
        using var processor = ServiceProcess.Start("StreamProcessor", Environment("AccountKey=" + Secret + ";NoSuchKey"));
        int exitCode = await processor.WaitForExitAsync(TimeSpan.FromSeconds(60), ct);

        // Assert
        Assert.NotEqual(0, exitCode);
        Assert.Contains(SinkOptions.OutputConnectionSetting + " is not a valid Azure Storage connection string", processor.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, processor.Output, StringComparison.Ordinal);
    }

    /// <summary>
    /// Waits until the run's checkpoints cover every message, stops the processors with SIGTERM (each must exit 0),
    /// then checks with DuckDB, on the blobs copied out, that every event is there exactly once.
    /// </summary>
    private async Task FinishExactlyOnceAsync(BlobRun run, int events, params ServiceProcess[] processors)
    {
        await PipelineTestKit.WaitForCompleteOutputAsync(run.Checkpoints, Broker.BootstrapServers, Topic, Partitions, s_timeout, events);
        foreach (var processor in processors)
        {
            Assert.Equal(0, await processor.TerminateAsync(TimeSpan.FromSeconds(30)));
        }

        var copied = await run.CopyOutAsync(Path.Combine(Root, "copied-out"), TestContext.Current.CancellationToken);
        PipelineTestKit.AssertExactlyOnce(Broker.BootstrapServers, Topic, copied, events, windowMs: 1000);
    }

    /// <summary>Starts a processor on the run and waits until the group has given it partitions.</summary>
    private async Task<ServiceProcess> StartAssignedAsync(BlobRun run)
    {
        var processor = ServiceProcess.Start("StreamProcessor", Environment(run.ConnectionString));
        try
        {
            await processor.WaitForOutputAsync("Partitions assigned", TimeSpan.FromSeconds(60));
            return processor;
        }
        catch
        {
            processor.Dispose();
            throw;
        }
    }

    private async Task<long> CommittedAsync(BlobRun run)
    {
        long committed = 0;
        for (var p = 0; p < Partitions; p++)
        {
            committed += (await run.Checkpoints.LoadAsync(Topic, p, TestContext.Current.CancellationToken))?.NextOffset ?? 0;
        }

        return committed;
    }

    private Dictionary<string, string> Environment(string connectionString) => new()
    {
        ["ConnectionStrings__kafka"] = Broker.BootstrapServers,
        [BlobRun.Variable] = connectionString,
        ["Pipeline__Processor__Topic"] = Topic,
        ["Pipeline__Processor__GroupId"] = "group-" + Topic,
        ["Pipeline__Output__OutputPath"] = OutputPath,
        ["Pipeline__Output__RunId"] = RunId,
        ["Pipeline__Output__TriggerInterval"] = "00:00:00.200",
        ["Pipeline__Processor__SinkRetryBackoff"] = "00:00:00.200",
        ["Pipeline__Processor__MaxSinkRetryBackoff"] = "00:00:01",
        ["Pipeline__Windowing__WindowSize"] = "00:00:01",
        ["Pipeline__Windowing__WatermarkDelay"] = "00:00:00.500",
        ["Pipeline__Windowing__IdleTimeout"] = "00:00:02",
        ["Kafka__Consumer__session.timeout.ms"] = "6000",
        ["Kafka__Consumer__heartbeat.interval.ms"] = "500",
        ["Logging__LogLevel__Default"] = "Information",
    };

    /// <summary>
    /// The input after an outage: its event times resume two minutes on. The partitions idled through the outage, so
    /// their watermarks moved on with the clock (by the outage's length); events continuing where the first half
    /// stopped would be late, and their windows rightly missing.
    /// </summary>
    private static IEnumerable<(string? Key, byte[] Value)> SecondHalf(int events) =>
        Input(events / 2, first: events / 2, shift: TimeSpan.FromMinutes(2));

    private static IEnumerable<(string? Key, byte[] Value)> Input(int count, int first = 0, TimeSpan shift = default)
    {
        var start = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc) + shift;
        var random = new Random(first + 17);
        for (var i = first; i < first + count; i++)
        {
            var id = i % 10;
            var ts = start.AddMilliseconds(i).ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);
            var value = Math.Round(random.NextDouble() * 100, 2).ToString(CultureInfo.InvariantCulture);
            yield return (id.ToString(CultureInfo.InvariantCulture),
                Encoding.UTF8.GetBytes($$"""{"id":{{id}},"ts":"{{ts}}","value":{{value}},"source":"blob-test"}"""));
        }
    }
}
