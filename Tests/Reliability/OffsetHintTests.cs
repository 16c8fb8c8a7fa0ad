using System.Globalization;
using System.Text;
using Confluent.Kafka;
using Pipeline.KafkaBroker;
using Pipeline.Tests.KafkaBroker.Faults;

namespace Pipeline.Tests.Reliability;

/// <summary>
/// The Kafka offset commit is a hint (the checkpoint is the truth), so it must never hold the engine: here the
/// broker holds every OffsetCommit answer (as a coordinator busy with a rebalance did, for 87 s) and the processor
/// keeps checkpointing new input meanwhile; once the broker answers, the group's offsets catch up with the checkpoint.
/// </summary>
public sealed class OffsetHintTests() : BrokerRunTest("hint")
{
    private const short OffsetCommitApiKey = 8;
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(20);
    private readonly FaultProxy _proxy = new();

    public override async ValueTask InitializeAsync()
    {
        Broker = await KafkaBrokerServer.StartAsync(new KafkaBrokerOptions { Port = 0, AdvertisedPort = _proxy.Port },
            cancellationToken: TestContext.Current.CancellationToken);
        _proxy.ForwardTo(Broker.Port);
    }

    public override async ValueTask DisposeAsync()
    {
        _proxy.ReleaseResponses();
        await base.DisposeAsync();
        await _proxy.DisposeAsync();
    }

    [Fact]
    public async Task OffsetHint_BrokerHoldsOffsetCommits_CheckpointsKeepAdvancing_ThenTheGroupOffsetCatchesUp()
    {
        // Arrange: one partition, a session long enough that the held answers (heartbeats wait behind them on the
        // coordinator's connection) do not expel the member.
        await PipelineTestKit.CreateTopicAsync(Broker.BootstrapServers, Topic, partitions: 1);
        var settings = ProcessorSettings("hint");
        settings["Kafka:Consumer:session.timeout.ms"] = "45000";
        settings["Kafka:Consumer:auto.commit.interval.ms"] = "500";
        var cancellation = TestContext.Current.CancellationToken;
        await using var processor = ServiceHosts.BuildStreamProcessor(Root, settings);
        await processor.StartAsync(cancellation);
        Produce(0, 100);
        await WaitForCheckpointAsync(100, "the first chunk, before any fault");

        // Act: from now on the broker acts on every offset commit but does not answer it.
        _proxy.HoldResponses(OffsetCommitApiKey);
        try
        {
            Produce(100, 100);
            await WaitForCheckpointAsync(200, "the second chunk");
            await PipelineTestKit.WaitUntilAsync(() => _proxy.HeldResponses > 0, "an offset commit to be held by the broker", s_timeout);
            Produce(200, 100);

            // Assert: the third chunk is checkpointed while the commit waits.
            await WaitForCheckpointAsync(300, "the third chunk while an offset commit is held");
        }
        finally
        {
            // Act: the broker answers again; the stop commits what was stored.
            _proxy.ReleaseResponses();
        }

        await processor.StopAsync(cancellation).WaitAsync(s_timeout, cancellation);

        // Assert: the group's offset is the checkpoint's.
        Assert.Equal(300, Committed());
    }

    private void Produce(int first, int count) =>
        PipelineTestKit.ProduceRaw(Broker.BootstrapServers, Topic, Enumerable.Range(first, count).Select(static i =>
        {
            var ts = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddMilliseconds(i * 10).ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);
            return ((string?)"1", Encoding.UTF8.GetBytes($$"""{"id":1,"ts":"{{ts}}","value":{{i}}}"""));
        }));

    private Task<long> WaitForCheckpointAsync(long nextOffset, string what)
    {
        var store = TestRun.Local(OutputPath, "hint").Checkpoints;
        return PipelineTestKit.WaitUntilAsync(
            async () => (await store.LoadAsync(Topic, 0, TestContext.Current.CancellationToken))?.NextOffset ?? 0,
            next => next >= nextOffset,
            next => $"the checkpoint to reach offset {nextOffset} ({what}); it is at {next}",
            s_timeout);
    }

    private long Committed()
    {
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig
        {
            BootstrapServers = $"127.0.0.1:{Broker.Port}",
            GroupId = "group-" + Topic,
            EnableAutoCommit = false,
        }).Build();
        return consumer.Committed([new TopicPartition(Topic, 0)], TimeSpan.FromSeconds(10)).Single().Offset.Value;
    }
}
