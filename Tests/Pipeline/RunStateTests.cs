using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.StreamProcessor.Kafka;
using Pipeline.StreamProcessor.Processing;

namespace Pipeline.Tests.Pipeline;

/// <summary>
/// A run's windows depend on its window size and watermark delay: the real StreamProcessor host, restarted on
/// the same RUN_ID with another value, refuses at start naming the setting and the run, and writes nothing to
/// the run folder. The same values resume as before.
/// </summary>
public sealed class RunStateTests() : BrokerRunTest("runstate")
{
    private const string RunId = "windows";
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);

    private string RunDirectory => TestRun.Local(OutputPath, RunId).Directory;

    [Fact]
    public async Task StreamProcessor_RestartedWithOtherWindowSize_RefusesAtStartNamingSettingAndRun()
    {
        // Arrange: a first start writes the run with 10 s windows, then stops.
        await WriteRunAsync(windowSize: "00:00:10", watermarkDelay: "00:00:00.500");
        var before = Snapshot();
        Produce(from: 200, count: 200); // what a second start would consume and write

        // Act
        var settings = Settings(windowSize: "00:00:05", watermarkDelay: "00:00:00.500");
        await using var second = ServiceHosts.BuildStreamProcessor(Root, settings);
        var error = await Assert.ThrowsAsync<RunSettingsMismatchException>(
            () => second.StartAsync(TestContext.Current.CancellationToken).WaitAsync(s_timeout, TestContext.Current.CancellationToken));

        // Assert
        Assert.Contains(
            $"Run '{RunId}' was written with Pipeline:Windowing:WindowSize 00:00:10; this start has 00:00:05. " +
            "Use a new Pipeline:Output:RunId (RUN_ID) or the run's value.",
            error.Message, StringComparison.Ordinal);
        AssertNothingWrittenNorStarted(second, before);
    }

    [Fact]
    public async Task StreamProcessor_RestartedWithOtherWatermarkDelay_RefusesAtStartNamingSettingAndRun()
    {
        // Arrange
        await WriteRunAsync(windowSize: "00:00:10", watermarkDelay: "00:00:00.500");
        var before = Snapshot();
        Produce(from: 200, count: 200);

        // Act
        await using var second = ServiceHosts.BuildStreamProcessor(Root, Settings(windowSize: "00:00:10", watermarkDelay: "00:00:30"));
        var error = await Assert.ThrowsAsync<RunSettingsMismatchException>(
            () => second.StartAsync(TestContext.Current.CancellationToken).WaitAsync(s_timeout, TestContext.Current.CancellationToken));

        // Assert
        Assert.Contains(
            $"Run '{RunId}' was written with Pipeline:Windowing:WatermarkDelay 00:00:00.5000000; this start has 00:00:30.",
            error.Message, StringComparison.Ordinal);
        AssertNothingWrittenNorStarted(second, before);
    }

    [Fact]
    public async Task StreamProcessor_RestartedWithSameWindowSettings_Resumes()
    {
        // Arrange
        await WriteRunAsync(windowSize: "00:00:10", watermarkDelay: "00:00:00.500");
        Produce(from: 200, count: 200);

        // Act
        await using var second = ServiceHosts.BuildStreamProcessor(Root, Settings(windowSize: "00:00:10", watermarkDelay: "00:00:00.500"));
        await second.StartAsync(TestContext.Current.CancellationToken).WaitAsync(s_timeout, TestContext.Current.CancellationToken);
        await WaitForNextOffsetAsync(400);
        await second.StopAsync(TestContext.Current.CancellationToken).WaitAsync(s_timeout, TestContext.Current.CancellationToken);

        // Assert
        Assert.Equal(400, PipelineTestKit.CommittedRows(RunDirectory));
    }

    /// <summary>Runs a processor on a fresh run until its checkpoint covers the first 200 events, then stops it.</summary>
    private async Task WriteRunAsync(string windowSize, string watermarkDelay)
    {
        await PipelineTestKit.CreateTopicAsync(Broker.BootstrapServers, Topic, partitions: 1);
        Produce(from: 0, count: 200);
        await using var first = ServiceHosts.BuildStreamProcessor(Root, Settings(windowSize, watermarkDelay));
        await first.StartAsync(TestContext.Current.CancellationToken).WaitAsync(s_timeout, TestContext.Current.CancellationToken);
        await WaitForNextOffsetAsync(200);
        await first.StopAsync(TestContext.Current.CancellationToken).WaitAsync(s_timeout, TestContext.Current.CancellationToken);
    }

    private Dictionary<string, string?> Settings(string windowSize, string watermarkDelay)
    {
        var settings = ProcessorSettings(RunId);
        settings["Pipeline:Windowing:WindowSize"] = windowSize;
        settings["Pipeline:Windowing:WatermarkDelay"] = watermarkDelay;
        return settings;
    }

    private async Task WaitForNextOffsetAsync(long nextOffset)
    {
        var store = TestRun.Local(OutputPath, RunId).Checkpoints;
        await PipelineTestKit.WaitUntilAsync(
            async () => (await store.LoadAsync(Topic, 0, TestContext.Current.CancellationToken))?.NextOffset == nextOffset,
            $"the checkpoint to reach offset {nextOffset}", s_timeout);
    }

    /// <summary>Events 1 s apart, ids 0-4, from <paramref name="from"/> seconds after a fixed start.</summary>
    private void Produce(int from, int count)
    {
        var start = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        PipelineTestKit.ProduceRaw(Broker.BootstrapServers, Topic, Enumerable.Range(from, count).Select(i =>
        {
            var id = (i % 5).ToString(CultureInfo.InvariantCulture);
            var ts = start.AddSeconds(i).ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);
            return ((string?)id, Encoding.UTF8.GetBytes($$"""{"id":{{id}},"ts":"{{ts}}","value":{{i}},"source":"runstate"}"""));
        }));
    }

    /// <summary>
    /// The run's files are as the first start left them, and the refused host's consume loop, the one thing that
    /// writes to the run, never started: the check threw in the worker's <c>StartAsync</c> before
    /// <c>base.StartAsync</c>, so its <c>ExecuteTask</c> is null and nothing can be written later either (no waiting
    /// for a late writer needed).
    /// </summary>
    private void AssertNothingWrittenNorStarted(WebApplication refused, SortedDictionary<string, string> before)
    {
        Assert.Null(refused.Services.GetRequiredService<StreamProcessorWorker>().ExecuteTask);
        Assert.Equal(before, Snapshot());
    }

    /// <summary>Every file of the run with its length, last write time and content hash.</summary>
    private SortedDictionary<string, string> Snapshot()
    {
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var path in Directory.EnumerateFiles(RunDirectory, "*", SearchOption.AllDirectories))
        {
            var info = new FileInfo(path);
            var hash = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(path)));
            files[Path.GetRelativePath(RunDirectory, path)] = $"{info.Length} {info.LastWriteTimeUtc:o} {hash}";
        }

        Assert.NotEmpty(files);
        return files;
    }
}
