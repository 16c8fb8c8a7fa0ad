using System.Text;
using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.StreamProcessor.Kafka;
using Pipeline.StreamProcessor.Processing;

namespace Pipeline.Tests.Reliability;

/// <summary>
/// A run resumed after its input topic was deleted and recreated: its checkpoints point beyond the new log, and every
/// offset below them would have been dropped as a replay, silently. The assignment is refused, naming what to do.
/// </summary>
public sealed class RecreatedTopicTests() : BrokerRunTest("recreate")
{
    [Fact]
    public async Task Resume_TopicRecreatedWithFewerMessages_TheProcessorStopsNamingTheCheckpointTheHighWatermarkAndANewRunId()
    {
        // Arrange: a run checkpoints offset 4; the topic is recreated and holds 2 messages.
        var cancellation = TestContext.Current.CancellationToken;
        await PipelineTestKit.CreateTopicAsync(Broker.BootstrapServers, Topic, 1);
        PipelineTestKit.ProduceRaw(Broker.BootstrapServers, Topic, Events(4));
        await using (var first = ServiceHosts.BuildStreamProcessor(Root, ProcessorSettings("recreate")))
        {
            var worker = first.Services.GetRequiredService<StreamProcessorWorker>();
            await first.StartAsync(cancellation);
            await PipelineTestKit.WaitUntilAsync(() => worker.Lanes is [{ NextOffset: 4 }], "the first run consuming offsets 0-3", TimeSpan.FromSeconds(30));
            await first.StopAsync(cancellation).WaitAsync(TimeSpan.FromSeconds(30), cancellation);
        }

        using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = Broker.BootstrapServers }).Build())
        {
            await admin.DeleteTopicsAsync([Topic]);
        }

        await PipelineTestKit.CreateTopicAsync(Broker.BootstrapServers, Topic, 1);
        PipelineTestKit.ProduceRaw(Broker.BootstrapServers, Topic, Events(2));

        // Act: the same run resumes.
        await using var second = ServiceHosts.BuildStreamProcessor(Root, ProcessorSettings("recreate"));
        var resumed = second.Services.GetRequiredService<StreamProcessorWorker>();
        await second.StartAsync(cancellation);
        await PipelineTestKit.WaitUntilAsync(() => resumed.ExecuteTask is { IsCompleted: true }, "the resumed run refusing the partition",
            TimeSpan.FromSeconds(30));

        // Assert: the worker failed (the host stops) with the refusal, and nothing of the new topic was consumed.
        var failure = Assert.IsType<AggregateException>(resumed.ExecuteTask!.Exception).InnerException;
        var refusal = Assert.IsType<CheckpointBeyondLogException>(failure);
        Assert.Equal((Topic, 0, 4L, 2L), (refusal.Topic, refusal.Partition, refusal.CheckpointOffset, refusal.HighWatermark));
        Assert.Contains("RunId", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Running_TopicRecreatedUnderTheLane_ItsPositionOutOfRange_IsNotResetSilently_TheProcessorStopsNamingIt()
    {
        // Arrange: the lane is at offset 4 when its topic is deleted and recreated with 2 messages.
        var cancellation = TestContext.Current.CancellationToken;
        await PipelineTestKit.CreateTopicAsync(Broker.BootstrapServers, Topic, 1);
        PipelineTestKit.ProduceRaw(Broker.BootstrapServers, Topic, Events(4));
        await using var processor = ServiceHosts.BuildStreamProcessor(Root, ProcessorSettings("recreate-running"));
        var worker = processor.Services.GetRequiredService<StreamProcessorWorker>();
        await processor.StartAsync(cancellation);
        await PipelineTestKit.WaitUntilAsync(() => worker.Lanes is [{ NextOffset: 4 }], "the lane consuming offsets 0-3", TimeSpan.FromSeconds(30));

        // Act: the consumer's next fetch (offset 4) is out of range; auto.offset.reset=error hands it to the engine.
        using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = Broker.BootstrapServers }).Build())
        {
            await admin.DeleteTopicsAsync([Topic]);
        }

        await PipelineTestKit.CreateTopicAsync(Broker.BootstrapServers, Topic, 1);
        PipelineTestKit.ProduceRaw(Broker.BootstrapServers, Topic, Events(2));
        await PipelineTestKit.WaitUntilAsync(() => worker.ExecuteTask is { IsCompleted: true }, "the processor refusing the recreated partition",
            TimeSpan.FromSeconds(60));

        // Assert: not reset to the earliest offset (the new messages would have been dropped as replays): refused.
        // (The fetch may fail before the new messages are in: the log then ends at 0.)
        var refusal = Assert.IsType<CheckpointBeyondLogException>(worker.ExecuteTask!.Exception?.InnerException);
        Assert.Equal((Topic, 0, 4L), (refusal.Topic, refusal.Partition, refusal.CheckpointOffset));
        Assert.InRange(refusal.HighWatermark, 0, 2);
    }

    private static IEnumerable<(string? Key, byte[] Value)> Events(int count) =>
        Enumerable.Range(0, count).Select(static i =>
            ((string?)"1", Encoding.UTF8.GetBytes($$"""{"id":1,"ts":"2026-01-02T03:04:0{{i}}Z","value":{{i}}}""")));
}
