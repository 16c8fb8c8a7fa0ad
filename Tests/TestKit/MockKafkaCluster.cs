using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Confluent.Kafka;
using static Pipeline.Tests.TestKit.MockClusterNative;

namespace Pipeline.Tests.TestKit;

/// <summary>
/// A multi-broker Kafka cluster for tests: librdkafka's built-in mock cluster (<c>rd_kafka_mock_cluster_new</c>), in this
/// process, its brokers listening on real loopback ports (ephemeral, so port 0 in effect), so clients in other OS
/// processes can use <see cref="BootstrapServers"/>. Faults are driven from here: a broker down or slow, a leader or
/// a coordinator moved, request errors pushed. Broker ids are 1 to <see cref="BrokerCount"/>.
/// </summary>
/// <remarks>
/// What the mock is not (librdkafka <c>src/rdkafka_mock.c</c>): one copy of each partition's log shared by all its
/// "replicas", so a leader move never loses or diverges data; a broker down only refuses connections and never moves
/// a leader (<c>rd_kafka_mock_broker_set_down</c>: "This does NOT trigger leader change"); and each partition keeps at
/// most 5 MiB or 100,000 message sets, dropping the oldest beyond that (<c>mpart-&gt;max_size</c>, <c>max_cnt</c>), so
/// runs must stay small.
/// </remarks>
public sealed class MockKafkaCluster : IDisposable, IAsyncDisposable
{
    private readonly Lock _gate = new();
    private readonly Dictionary<(string Topic, int Partition), int> _leaders = [];
    private IntPtr _client;
    private IntPtr _cluster;

    private MockKafkaCluster(IntPtr client, IntPtr cluster, int brokerCount)
    {
        _client = client;
        _cluster = cluster;
        BrokerCount = brokerCount;
        BootstrapServers = Marshal.PtrToStringUTF8(ClusterBootstraps(cluster))
            ?? throw new InvalidOperationException("The mock cluster has no bootstrap servers.");
    }

    /// <summary>Comma-separated <c>host:port</c> of every broker.</summary>
    public string BootstrapServers { get; }

    public int BrokerCount { get; }

    /// <summary>
    /// Starts <paramref name="brokerCount"/> brokers. <paramref name="initialRebalanceDelay"/> is the brokers'
    /// <c>group.initial.rebalance.delay.ms</c> (the mock's default is 3 s); zero lets a group's first join complete at once.
    /// </summary>
    public static MockKafkaCluster Start(int brokerCount = 3, TimeSpan? initialRebalanceDelay = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(brokerCount, 1);
        UseShippedLibrary();
        var errors = new byte[512];
        var conf = ConfNew();
        // The handle only owns the mock (librdkafka's bookkeeping); it never connects, so its own chatter is silenced.
        if (ConfSet(conf, "log_level", "0", errors, (nuint)errors.Length) != ConfOk)
        {
            ConfDestroy(conf);
            throw new InvalidOperationException("log_level: " + Text(errors));
        }

        var client = KafkaNew(ProducerType, conf, errors, (nuint)errors.Length);
        if (client == IntPtr.Zero)
        {
            ConfDestroy(conf);
            throw new InvalidOperationException("rd_kafka_new: " + Text(errors));
        }

        var cluster = ClusterNew(client, brokerCount);
        if (cluster == IntPtr.Zero)
        {
            KafkaDestroy(client);
            throw new InvalidOperationException("rd_kafka_mock_cluster_new failed.");
        }

        var mock = new MockKafkaCluster(client, cluster, brokerCount);
        mock.SetInitialRebalanceDelay(initialRebalanceDelay ?? TimeSpan.Zero);
        return mock;
    }

    /// <summary>Creates a topic; the mock chooses leaders until <see cref="SetPartitionLeader"/> or <see cref="SpreadLeaders"/> does.</summary>
    public void CreateTopic(string name, int partitions, int replicationFactor = 3)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Check(TopicCreate(Handle, name, partitions, replicationFactor), $"create topic {name}");
    }

    /// <summary>Deletes a topic (the clients see it gone at their next metadata refresh).</summary>
    public void DeleteTopic(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Check(TopicDelete(Handle, name), $"delete topic {name}");
        lock (_gate)
        {
            foreach (var key in _leaders.Keys.Where(k => k.Topic == name).ToList())
            {
                _leaders.Remove(key);
            }
        }
    }

    /// <summary>Makes <paramref name="brokerId"/> the partition's leader (-1: leaderless); clients follow at their next metadata refresh.</summary>
    public void SetPartitionLeader(string topic, int partition, int brokerId)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        Check(PartitionSetLeader(Handle, topic, partition, brokerId), $"set leader of {topic}[{partition}] to {brokerId}");
        lock (_gate)
        {
            _leaders[(topic, partition)] = brokerId;
        }
    }

    /// <summary>Makes <paramref name="brokerId"/> the broker a consumer with a rack is told to fetch from (KIP-392).</summary>
    public void SetPartitionFollower(string topic, int partition, int brokerId) =>
        Check(PartitionSetFollower(Handle, topic, partition, brokerId), $"set follower of {topic}[{partition}] to {brokerId}");

    /// <summary>Leads partition p from broker ((p + <paramref name="offset"/>) mod N) + 1, so every broker leads some partition.</summary>
    public void SpreadLeaders(string topic, int partitions, int offset = 0)
    {
        for (var p = 0; p < partitions; p++)
        {
            SetPartitionLeader(topic, p, ((p + offset) % BrokerCount) + 1);
        }
    }

    /// <summary>The leader this fixture last set for the partition, or null if the mock chose it.</summary>
    public int? LeaderOf(string topic, int partition)
    {
        lock (_gate)
        {
            return _leaders.TryGetValue((topic, partition), out var leader) ? leader : null;
        }
    }

    /// <summary>The partitions of <paramref name="topic"/> this fixture made <paramref name="brokerId"/> lead.</summary>
    public IReadOnlyList<int> PartitionsLedBy(string topic, int brokerId)
    {
        lock (_gate)
        {
            return [.. _leaders.Where(l => l.Key.Topic == topic && l.Value == brokerId).Select(l => l.Key.Partition).Order()];
        }
    }

    /// <summary>Closes the broker's connections and refuses new ones; its leaderships stay (the mock never elects).</summary>
    public void BrokerDown(int brokerId) => Check(BrokerSetDown(Handle, brokerId), $"take broker {brokerId} down");

    /// <summary>Accepts connections again, on the same port.</summary>
    public void BrokerUp(int brokerId) => Check(BrokerSetUp(Handle, brokerId), $"bring broker {brokerId} up");

    /// <summary>Delays every response of the broker by <paramref name="rtt"/> (zero: none).</summary>
    public void SetBrokerRtt(int brokerId, TimeSpan rtt) =>
        Check(BrokerSetRtt(Handle, brokerId, checked((int)rtt.TotalMilliseconds)), $"set the rtt of broker {brokerId}");

    /// <summary>Makes <paramref name="brokerId"/> the coordinator of a <c>"group"</c> or <c>"transaction"</c> key.</summary>
    public void SetCoordinator(string keyType, string key, int brokerId)
    {
        ArgumentException.ThrowIfNullOrEmpty(keyType);
        ArgumentException.ThrowIfNullOrEmpty(key);
        Check(CoordinatorSet(Handle, keyType, key, brokerId), $"set the {keyType} coordinator of {key} to {brokerId}");
    }

    /// <summary>
    /// The next <c>errors.Length</c> requests of <paramref name="apiKey"/> (any broker) fail with these errors, in order;
    /// <see cref="ErrorCode.Local_Transport"/> makes the broker drop the connection instead.
    /// </summary>
    public void PushRequestErrors(short apiKey, params ErrorCode[] errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        var codes = errors.Select(e => (int)e).ToArray();
        PushRequestErrorsArray(Handle, apiKey, (nuint)codes.Length, codes);
    }

    /// <summary>Drops the errors still pushed for <paramref name="apiKey"/>.</summary>
    public void ClearRequestErrors(short apiKey) => MockClusterNative.ClearRequestErrors(Handle, apiKey);

    /// <summary>Moves the partition's log start to <paramref name="beforeOffset"/>, as retention or DeleteRecords would.</summary>
    public void DeleteRecords(string topic, int partition, long beforeOffset) =>
        Check(PartitionDeleteRecords(Handle, topic, partition, beforeOffset), $"delete records of {topic}[{partition}] before {beforeOffset}");

    /// <summary>The brokers' <c>group.initial.rebalance.delay.ms</c>.</summary>
    public void SetInitialRebalanceDelay(TimeSpan delay) =>
        GroupInitialRebalanceDelayMs(Handle, checked((int)delay.TotalMilliseconds));

    public void Dispose()
    {
        IntPtr cluster;
        IntPtr client;
        lock (_gate)
        {
            (cluster, _cluster) = (_cluster, IntPtr.Zero);
            (client, _client) = (_client, IntPtr.Zero);
        }

        if (cluster != IntPtr.Zero)
        {
            ClusterDestroy(cluster);
        }

        if (client != IntPtr.Zero)
        {
            KafkaDestroy(client);
        }
    }

    public ValueTask DisposeAsync()
    {
        // Destroying joins the mock's thread; off the caller's thread, so a test's async teardown never blocks on it.
        return new ValueTask(Task.Run(Dispose));
    }

    private IntPtr Handle
    {
        get
        {
            var cluster = Volatile.Read(ref _cluster);
            ObjectDisposedException.ThrowIf(cluster == IntPtr.Zero, this);
            return cluster;
        }
    }

    private static void Check(int error, string what)
    {
        if (error != 0)
        {
            var code = (ErrorCode)error;
            throw new KafkaException(new Error(code, $"Mock cluster: could not {what}: {code} ({error.ToString(CultureInfo.InvariantCulture)})"));
        }
    }

    private static string Text(byte[] buffer)
    {
        var end = Array.IndexOf(buffer, (byte)0);
        return Encoding.UTF8.GetString(buffer, 0, end < 0 ? buffer.Length : end);
    }
}
