using System.ComponentModel.DataAnnotations;

namespace Pipeline.KafkaBroker;

/// <summary>
/// Settings of the embedded broker. Bound from the section <c>KafkaBroker</c>, e.g.
/// <code>{ "KafkaBroker": { "Port": 9092, "DataDirectory": "data/kafka", "DefaultPartitions": 3 } }</code>
/// </summary>
public sealed class KafkaBrokerOptions
{
    public const string SectionName = "KafkaBroker";

    /// <summary>Address to listen on. Loopback by default: a development broker has no authentication.</summary>
    [Required]
    public string Host { get; set; } = "127.0.0.1";

    /// <summary>Port to listen on; 0 picks a free one (see <see cref="KafkaBrokerServer.Port"/>).</summary>
    [Range(0, 65535)]
    public int Port { get; set; } = 9092;

    /// <summary>Host name advertised to clients in metadata; defaults to <see cref="Host"/>
    /// (or 127.0.0.1 when listening on all interfaces).</summary>
    public string? AdvertisedHost { get; set; }

    /// <summary>
    /// Port given to clients in metadata and coordinator answers (default: the bound port). Set it when clients
    /// reach the broker through a port mapping or a proxy.
    /// </summary>
    public int? AdvertisedPort { get; set; }

    /// <summary>Node id of this single broker, also the controller and group coordinator.</summary>
    [Range(0, int.MaxValue)]
    public int NodeId { get; set; } = 1;

    /// <summary>Where topics and committed offsets persist; null keeps everything in memory.</summary>
    public string? DataDirectory { get; set; }

    /// <summary>Partitions of auto-created topics and of CreateTopics requests that ask for the default.</summary>
    [Range(1, 10_000)]
    public int DefaultPartitions { get; set; } = 1;

    /// <summary>Create a topic when a client produces to it or asks for its metadata (Kafka's default).</summary>
    public bool AutoCreateTopics { get; set; } = true;

    /// <summary>Topics created at start (name → partitions; 0 means <see cref="DefaultPartitions"/>).</summary>
    public Dictionary<string, int> SeedTopics { get; } = new(StringComparer.Ordinal);

    /// <summary>Largest request frame accepted (Kafka's <c>socket.request.max.bytes</c>); larger frames close the connection.</summary>
    [Range(1024, int.MaxValue)]
    public int MaxRequestBytes { get; set; } = 100 * 1024 * 1024;

    /// <summary>Largest record batch accepted (Kafka's <c>message.max.bytes</c>).</summary>
    [Range(1024, int.MaxValue)]
    public int MaxMessageBytes { get; set; } = 1_048_588;

    /// <summary>Smallest consumer-group session timeout accepted (Kafka: 6 s; lower here so tests can use short sessions).</summary>
    public TimeSpan GroupMinSessionTimeout { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Largest consumer-group session timeout accepted (Kafka's default 30 min).</summary>
    public TimeSpan GroupMaxSessionTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Delay before the first rebalance of an empty group (Kafka: 3 s; 0 here for fast tests).</summary>
    public TimeSpan GroupInitialRebalanceDelay { get; set; } = TimeSpan.Zero;

    /// <summary>Force every append to stable storage before acknowledging it (slower; protects against
    /// power loss, not only process crashes).</summary>
    public bool SyncWrites { get; set; }

    internal string ResolveAdvertisedHost() =>
        AdvertisedHost ?? (Host is "0.0.0.0" or "::" or "[::]" ? "127.0.0.1" : Host);
}
