using System.Text;
using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Pipeline.StreamProcessor;
using Pipeline.StreamProcessor.Kafka;
using Pipeline.StreamProcessor.Processing;

namespace Pipeline.Tests.Reliability;

/// <summary>
/// A run resumed after the broker deleted offsets its checkpoint had not reached (retention; here the broker's
/// DeleteRecords, which moves the log start the same way): the loss is not silent. The processor logs the lost range
/// and goes on from the log start, or, with <see cref="ProcessorOptions.FailOnDataLoss"/>, stops naming it.
/// </summary>
public sealed class DataLossTests() : BrokerRunTest("data-loss")
{
    [Fact]
    public async Task Resume_OffsetsDeletedBeyondTheCheckpoint_LogsTheLostRangeAndGoesOnFromTheLogStart()
    {
        // Arrange: the run checkpoints offset 4; then offsets 4-9 arrive and 4-6 are deleted before it resumes.
        var cancellation = TestContext.Current.CancellationToken;
        await CheckpointFourThenDeleteUpToSevenAsync("loss", cancellation);
        var logs = new CapturingLoggerProvider();

        // Act
        await using var resumed = ServiceHosts.BuildStreamProcessor(Root, ProcessorSettings("loss"), services => services.AddSingleton<ILoggerProvider>(logs));
        var worker = resumed.Services.GetRequiredService<StreamProcessorWorker>();
        await resumed.StartAsync(cancellation);
        var runDirectory = TestRun.Local(OutputPath, "loss").Directory;

        // Assert: the 4 rows before and the 3 the log still holds; the 3 lost ones named.
        await PipelineTestKit.WaitUntilAsync(() => PipelineTestKit.CommittedRows(runDirectory) == 7, "7 rows committed (0-3 and 7-9)", TimeSpan.FromSeconds(30));
        Assert.Contains(logs.Entries, entry => entry.Level == LogLevel.Warning
            && entry.Message.Contains($"Partition {Topic}/0: offsets 4 to 6 (3) were deleted from the log", StringComparison.Ordinal)
            && entry.Message.Contains("continuing from offset 7", StringComparison.Ordinal));
        Assert.False(worker.ExecuteTask!.IsCompleted);
        await resumed.StopAsync(cancellation);
    }

    [Fact]
    public async Task Resume_OffsetsDeletedBeyondTheCheckpoint_WithFailOnDataLoss_StopsNamingTheRangeAndTheSetting()
    {
        // Arrange
        var cancellation = TestContext.Current.CancellationToken;
        await CheckpointFourThenDeleteUpToSevenAsync("strict", cancellation);
        var settings = ProcessorSettings("strict");
        settings[$"{ProcessorOptions.SectionName}:{nameof(ProcessorOptions.FailOnDataLoss)}"] = "true";

        // Act
        await using var resumed = ServiceHosts.BuildStreamProcessor(Root, settings);
        var worker = resumed.Services.GetRequiredService<StreamProcessorWorker>();
        await resumed.StartAsync(cancellation);
        await PipelineTestKit.WaitUntilAsync(() => worker.ExecuteTask is { IsCompleted: true }, "the processor stopping on the loss", TimeSpan.FromSeconds(30));

        // Assert
        var failure = Assert.IsType<DataLossException>(worker.ExecuteTask!.Exception?.InnerException);
        Assert.Contains($"{Topic}/0: offsets 4 to 6 (3)", failure.Message, StringComparison.Ordinal);
        Assert.Contains("FailOnDataLoss", failure.Message, StringComparison.Ordinal);
        Assert.Equal(4, PipelineTestKit.CommittedRows(TestRun.Local(OutputPath, "strict").Directory));
    }

    /// <summary>A first run that checkpoints offsets 0-3 and stops; then offsets 4-9, and the log start moved to 7.</summary>
    private async Task CheckpointFourThenDeleteUpToSevenAsync(string runId, CancellationToken cancellation)
    {
        await PipelineTestKit.CreateTopicAsync(Broker.BootstrapServers, Topic, 1);
        PipelineTestKit.ProduceRaw(Broker.BootstrapServers, Topic, Events(0, 4));
        await using (var first = ServiceHosts.BuildStreamProcessor(Root, ProcessorSettings(runId)))
        {
            await first.StartAsync(cancellation);
            await PipelineTestKit.WaitUntilAsync(() => PipelineTestKit.CommittedRows(TestRun.Local(OutputPath, runId).Directory) == 4,
                "the first run committing offsets 0-3", TimeSpan.FromSeconds(30));
            await first.StopAsync(cancellation).WaitAsync(TimeSpan.FromSeconds(30), cancellation);
        }

        PipelineTestKit.ProduceRaw(Broker.BootstrapServers, Topic, Events(4, 6));
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = Broker.BootstrapServers }).Build();
        await admin.DeleteRecordsAsync([new TopicPartitionOffset(Topic, 0, 7)]);
    }

    private static IEnumerable<(string? Key, byte[] Value)> Events(int first, int count) =>
        Enumerable.Range(first, count).Select(static i =>
            ((string?)"1", Encoding.UTF8.GetBytes($$"""{"id":1,"ts":"2026-01-02T03:04:{{i:00}}Z","value":{{i}}}""")));
}
