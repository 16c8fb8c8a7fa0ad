using System.Runtime.InteropServices;

namespace Pipeline.Tests.TestKit;

/// <summary>
/// librdkafka's mock cluster API (<c>src/rdkafka_mock.h</c>), called in the librdkafka that Confluent.Kafka already
/// ships and loads (librdkafka.redist), so no package is added. The API is experimental and outside librdkafka's ABI
/// guarantees: every signature here was checked against the header and the exports of the shipped library.
/// The variadic <c>rd_kafka_mock_push_request_errors</c> is reached through its <c>_array</c> twin, since a P/Invoke
/// cannot call a C variadic function portably.
/// </summary>
internal static class MockClusterNative
{
    private const string Library = "librdkafka";

    // librdkafka.redist ships three Linux builds; the default one needs libsasl2, which a slim image lacks, so the
    // name resolves to the first build that loads, in the order Confluent.Kafka's own loader tries them.
    private static readonly string[] s_linuxBuilds = ["librdkafka.so", "centos8-librdkafka.so", "alpine-librdkafka.so"];

    private static int s_resolving;

    /// <summary>Installs the name's resolver (once per process); call before the first P/Invoke of this class.</summary>
    public static void UseShippedLibrary()
    {
        if (Interlocked.Exchange(ref s_resolving, 1) == 0)
        {
            NativeLibrary.SetDllImportResolver(typeof(MockClusterNative).Assembly, Resolve);
        }
    }

    /// <summary><c>RD_KAFKA_PRODUCER</c>: the mock needs a client handle for its bookkeeping; a producer is the lightest.</summary>
    public const int ProducerType = 0;

    /// <summary><c>RD_KAFKA_CONF_OK</c>.</summary>
    public const int ConfOk = 0;

    [DllImport(Library, EntryPoint = "rd_kafka_conf_new", ExactSpelling = true)]
    public static extern IntPtr ConfNew();

    [DllImport(Library, EntryPoint = "rd_kafka_conf_set", ExactSpelling = true)]
    public static extern int ConfSet(
        IntPtr conf,
        [MarshalAs(UnmanagedType.LPUTF8Str)] string name,
        [MarshalAs(UnmanagedType.LPUTF8Str)] string value,
        byte[] errstr,
        nuint errstrSize);

    [DllImport(Library, EntryPoint = "rd_kafka_conf_destroy", ExactSpelling = true)]
    public static extern void ConfDestroy(IntPtr conf);

    /// <summary>Takes ownership of <paramref name="conf"/> on success only.</summary>
    [DllImport(Library, EntryPoint = "rd_kafka_new", ExactSpelling = true)]
    public static extern IntPtr KafkaNew(int type, IntPtr conf, byte[] errstr, nuint errstrSize);

    [DllImport(Library, EntryPoint = "rd_kafka_destroy", ExactSpelling = true)]
    public static extern void KafkaDestroy(IntPtr rk);

    /// <summary>Broker ids are 1 to <paramref name="brokerCount"/>.</summary>
    [DllImport(Library, EntryPoint = "rd_kafka_mock_cluster_new", ExactSpelling = true)]
    public static extern IntPtr ClusterNew(IntPtr rk, int brokerCount);

    [DllImport(Library, EntryPoint = "rd_kafka_mock_cluster_destroy", ExactSpelling = true)]
    public static extern void ClusterDestroy(IntPtr cluster);

    /// <summary>The bootstrap string, owned by the cluster (valid until it is destroyed).</summary>
    [DllImport(Library, EntryPoint = "rd_kafka_mock_cluster_bootstraps", ExactSpelling = true)]
    public static extern IntPtr ClusterBootstraps(IntPtr cluster);

    [DllImport(Library, EntryPoint = "rd_kafka_mock_topic_create", ExactSpelling = true)]
    public static extern int TopicCreate(IntPtr cluster, [MarshalAs(UnmanagedType.LPUTF8Str)] string topic, int partitions, int replicationFactor);

    [DllImport(Library, EntryPoint = "rd_kafka_mock_topic_delete", ExactSpelling = true)]
    public static extern int TopicDelete(IntPtr cluster, [MarshalAs(UnmanagedType.LPUTF8Str)] string topic);

    [DllImport(Library, EntryPoint = "rd_kafka_mock_partition_set_leader", ExactSpelling = true)]
    public static extern int PartitionSetLeader(IntPtr cluster, [MarshalAs(UnmanagedType.LPUTF8Str)] string topic, int partition, int brokerId);

    [DllImport(Library, EntryPoint = "rd_kafka_mock_partition_set_follower", ExactSpelling = true)]
    public static extern int PartitionSetFollower(IntPtr cluster, [MarshalAs(UnmanagedType.LPUTF8Str)] string topic, int partition, int brokerId);

    [DllImport(Library, EntryPoint = "rd_kafka_mock_partition_delete_records", ExactSpelling = true)]
    public static extern int PartitionDeleteRecords(IntPtr cluster, [MarshalAs(UnmanagedType.LPUTF8Str)] string topic, int partition, long beforeOffset);

    [DllImport(Library, EntryPoint = "rd_kafka_mock_broker_set_down", ExactSpelling = true)]
    public static extern int BrokerSetDown(IntPtr cluster, int brokerId);

    [DllImport(Library, EntryPoint = "rd_kafka_mock_broker_set_up", ExactSpelling = true)]
    public static extern int BrokerSetUp(IntPtr cluster, int brokerId);

    [DllImport(Library, EntryPoint = "rd_kafka_mock_broker_set_rtt", ExactSpelling = true)]
    public static extern int BrokerSetRtt(IntPtr cluster, int brokerId, int rttMs);

    [DllImport(Library, EntryPoint = "rd_kafka_mock_coordinator_set", ExactSpelling = true)]
    public static extern int CoordinatorSet(
        IntPtr cluster, [MarshalAs(UnmanagedType.LPUTF8Str)] string keyType, [MarshalAs(UnmanagedType.LPUTF8Str)] string key, int brokerId);

    [DllImport(Library, EntryPoint = "rd_kafka_mock_push_request_errors_array", ExactSpelling = true)]
    public static extern void PushRequestErrorsArray(IntPtr cluster, short apiKey, nuint count, int[] errors);

    [DllImport(Library, EntryPoint = "rd_kafka_mock_clear_request_errors", ExactSpelling = true)]
    public static extern void ClearRequestErrors(IntPtr cluster, short apiKey);

    [DllImport(Library, EntryPoint = "rd_kafka_mock_group_initial_rebalance_delay_ms", ExactSpelling = true)]
    public static extern void GroupInitialRebalanceDelayMs(IntPtr cluster, int delayMs);

    private static IntPtr Resolve(string name, System.Reflection.Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (name != Library || !OperatingSystem.IsLinux())
        {
            return IntPtr.Zero;
        }

        var native = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native");
        foreach (var build in s_linuxBuilds)
        {
            if (NativeLibrary.TryLoad(Path.Combine(native, build), out var handle))
            {
                return handle;
            }
        }

        return IntPtr.Zero;
    }
}
