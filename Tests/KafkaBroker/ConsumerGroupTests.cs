using Confluent.Kafka;
using Pipeline.KafkaBroker;
using Pipeline.Tests.KafkaBroker.Faults;

namespace Pipeline.Tests.KafkaBroker;

/// <summary>The classic consumer-group protocol with the real Confluent.Kafka consumer: rebalances, dead members, committed offsets.</summary>
public sealed class ConsumerGroupTests : IAsyncLifetime
{
    private const int Partitions = 4;
    private readonly string _topic = "group-" + Guid.NewGuid().ToString("N")[..8];
    private readonly string _group = "g-" + Guid.NewGuid().ToString("N")[..8];
    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("pipeline-groups-").FullName;
    private KafkaBrokerServer _broker = null!;

    public async ValueTask InitializeAsync()
    {
        _broker = await StartBrokerAsync();
        await PipelineTestKit.CreateTopicAsync(_broker.BootstrapServers, _topic, Partitions);
    }

    public async ValueTask DisposeAsync()
    {
        await _broker.DisposeAsync();
        Directory.Delete(_dataDirectory, recursive: true);
    }

    [Theory]
    [InlineData(PartitionAssignmentStrategy.Range)]
    [InlineData(PartitionAssignmentStrategy.RoundRobin)]
    [InlineData(PartitionAssignmentStrategy.CooperativeSticky)]
    public void TwoMembers_SplitThePartitions_AndTheSurvivorTakesAllWhenOneLeaves(PartitionAssignmentStrategy strategy)
    {
        // Arrange
        using var first = new Member(_broker.BootstrapServers, _group, _topic, strategy);
        first.PollUntil(() => first.Assigned.Count == Partitions, [], "the first member owns every partition");

        // Act: a second member joins.
        using var second = new Member(_broker.BootstrapServers, _group, _topic, strategy);
        Member.PollUntil([first, second], () => first.Assigned.Count == Partitions / 2 && second.Assigned.Count == Partitions / 2,
            "two members split four partitions");

        // Assert: disjoint halves, then the survivor takes everything back.
        Assert.Empty(first.Assigned.Intersect(second.Assigned));
        second.Consumer.Close();
        first.PollUntil(() => first.Assigned.Count == Partitions, [], "the survivor owns every partition after a clean leave");
    }

    [Fact]
    public async Task DeadMember_IsExpiredAfterTheSessionTimeout_AndItsPartitionsMove()
    {
        // Arrange: the member that will die reaches the broker through a proxy that can go silent.
        await using var proxy = new FaultProxy();
        await using var proxied = await KafkaBrokerServer.StartAsync(
            new KafkaBrokerOptions { Port = 0, AdvertisedPort = proxy.Port }, cancellationToken: TestContext.Current.CancellationToken);
        proxy.ForwardTo(proxied.Port);
        var direct = $"127.0.0.1:{proxied.Port}";
        await PipelineTestKit.CreateTopicAsync(direct, _topic, Partitions);
        using var doomed = new Member(proxied.BootstrapServers, _group, _topic, PartitionAssignmentStrategy.Range, sessionTimeoutMs: 3000, clientId: "doomed");
        doomed.PollUntil(() => doomed.Assigned.Count == Partitions, [], "the doomed member owns every partition");
        using var survivor = new Member(proxied.BootstrapServers, _group, _topic, PartitionAssignmentStrategy.Range, sessionTimeoutMs: 3000, clientId: "survivor");
        Member.PollUntil([doomed, survivor], () => survivor.Assigned.Count == Partitions / 2, "the survivor gets its half");

        // Act: no heartbeat, no LeaveGroup, the TCP connection stays open: the member is simply gone.
        proxy.GoSilent("doomed");
        var silencedAt = DateTime.UtcNow;
        survivor.PollUntil(() => survivor.Assigned.Count == Partitions, [], "the survivor takes the dead member's partitions", TimeSpan.FromSeconds(30));

        // Assert: the move waited for the session timeout, not less.
        Assert.True(DateTime.UtcNow - silencedAt >= TimeSpan.FromSeconds(2.5), $"Partitions moved after {DateTime.UtcNow - silencedAt}, before the 3 s session timeout.");
    }

    [Fact]
    public async Task CommittedOffsets_SurviveABrokerRestartWithItsDataDirectory()
    {
        // Arrange
        var options = new KafkaBrokerOptions { Port = 0, DataDirectory = _dataDirectory };
        await using (var broker = await KafkaBrokerServer.StartAsync(options, cancellationToken: TestContext.Current.CancellationToken))
        {
            await PipelineTestKit.CreateTopicAsync(broker.BootstrapServers, _topic, Partitions);
            ProduceFetchTests.Produce(broker.BootstrapServers, _topic, Enumerable.Range(0, 100).Select(i => "m" + i));
            using var member = new Member(broker.BootstrapServers, _group, _topic, PartitionAssignmentStrategy.Range);
            var consumed = member.ConsumeCount(60);
            member.Consumer.Commit(consumed.GroupBy(r => r.TopicPartition).Select(g => new TopicPartitionOffset(g.Key, g.Max(r => r.Offset.Value) + 1)));
            member.Consumer.Close();
        }

        // Act
        await using var restarted = await KafkaBrokerServer.StartAsync(options, cancellationToken: TestContext.Current.CancellationToken);

        // Assert: the group resumes exactly after its commits: the 40 remaining messages, none again.
        using var resumed = new Member(restarted.BootstrapServers, _group, _topic, PartitionAssignmentStrategy.Range);
        var rest = resumed.ConsumeCount(40);
        Assert.Null(resumed.Consumer.Consume(TimeSpan.FromSeconds(1)));
        var committedBefore = 100 - rest.Count;
        Assert.Equal(60, committedBefore);
        Assert.Equal(40, rest.Select(r => r.Message.Value).Distinct().Count());
    }

    [Fact]
    public async Task Admin_ListsAndDescribesTheGroupWithItsMembers()
    {
        // Arrange
        using var member = new Member(_broker.BootstrapServers, _group, _topic, PartitionAssignmentStrategy.Range);
        member.PollUntil(() => member.Assigned.Count == Partitions, [], "the member owns every partition");
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = _broker.BootstrapServers }).Build();

        // Act
        var listed = await admin.ListConsumerGroupsAsync();
        var described = await admin.DescribeConsumerGroupsAsync([_group]);

        // Assert
        Assert.Contains(listed.Valid, g => g.GroupId == _group && g.State == ConsumerGroupState.Stable);
        var description = Assert.Single(described.ConsumerGroupDescriptions);
        var described1 = Assert.Single(description.Members);
        Assert.Equal(Partitions, described1.Assignment.TopicPartitions.Count);
    }

    private Task<KafkaBrokerServer> StartBrokerAsync() =>
        KafkaBrokerServer.StartAsync(new KafkaBrokerOptions { Port = 0 }, cancellationToken: TestContext.Current.CancellationToken);

    /// <summary>A Confluent consumer in the group, tracking its assignment through the rebalance callbacks.</summary>
    private sealed class Member : IDisposable
    {
        public Member(string bootstrap, string group, string topic, PartitionAssignmentStrategy strategy, int sessionTimeoutMs = 6000, string clientId = "rdkafka")
        {
            Consumer = new ConsumerBuilder<string, string>(new ConsumerConfig
            {
                BootstrapServers = bootstrap,
                GroupId = group,
                ClientId = clientId,
                PartitionAssignmentStrategy = strategy,
                AutoOffsetReset = AutoOffsetReset.Earliest,
                EnableAutoCommit = false,
                SessionTimeoutMs = sessionTimeoutMs,
                HeartbeatIntervalMs = 300,
            })
            .SetPartitionsAssignedHandler((_, partitions) => Assigned.UnionWith(partitions.Select(p => p.Partition.Value)))
            .SetPartitionsRevokedHandler((_, partitions) => Assigned.ExceptWith(partitions.Select(p => p.Partition.Value)))
            .SetPartitionsLostHandler((_, partitions) => Assigned.ExceptWith(partitions.Select(p => p.Partition.Value)))
            .Build();
            Consumer.Subscribe(topic);
        }

        public IConsumer<string, string> Consumer { get; }

        public HashSet<int> Assigned { get; } = [];

        public static void PollUntil(Member[] members, Func<bool> condition, string what, TimeSpan? timeout = null)
        {
            var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
            while (!condition())
            {
                Assert.True(DateTime.UtcNow < deadline,
                    $"Timed out waiting until {what}; assignments: {string.Join(" | ", members.Select(m => string.Join(',', m.Assigned.Order())))}.");
                foreach (var member in members)
                {
                    member.Consumer.Consume(TimeSpan.FromMilliseconds(50));
                }
            }
        }

        public void PollUntil(Func<bool> condition, Member[] others, string what, TimeSpan? timeout = null) =>
            PollUntil([this, .. others], condition, what, timeout);

        public List<ConsumeResult<string, string>> ConsumeCount(int count)
        {
            var results = new List<ConsumeResult<string, string>>();
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (results.Count < count && DateTime.UtcNow < deadline)
            {
                if (Consumer.Consume(TimeSpan.FromMilliseconds(100)) is { Message: not null } result)
                {
                    results.Add(result);
                }
            }

            Assert.Equal(count, results.Count);
            return results;
        }

        public void Dispose() => Consumer.Dispose();
    }
}
