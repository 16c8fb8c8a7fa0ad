using System.ComponentModel.DataAnnotations;

namespace Pipeline.KafkaBroker;

/// <summary>
/// Settings of the embedded broker. Bound from the section <c>KafkaBroker</c>, e.g.
/// <code>{ "KafkaBroker": { "Port": 9092, "DataDirectory": "data/kafka", "DefaultPartitions": 3, "Retention": "01:00:00", "RetentionBytes": 268435456 } }</code>
/// </summary>
public sealed class KafkaBrokerOptions : IValidatableObject
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

    /// <summary>
    /// How long a partition keeps a segment after its newest record's timestamp (Kafka's <c>log.retention.ms</c>);
    /// <see cref="Timeout.InfiniteTimeSpan"/> (-1 ms, Kafka's -1) keeps records forever. Kafka's default of 7 days:
    /// a library user or a test that never thinks about it loses nothing it could expect a real cluster to keep.
    /// </summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// Most bytes one partition's log keeps before its oldest segments go (Kafka's <c>log.retention.bytes</c>);
    /// -1 (Kafka's default) means no limit. The active segment always stays, so a partition can hold up to one
    /// <see cref="SegmentBytes"/> more than this.
    /// </summary>
    public long RetentionBytes { get; set; } = -1;

    /// <summary>
    /// Size at which a partition starts a new segment (Kafka's <c>log.segment.bytes</c>, default 1 GiB). Retention
    /// deletes whole segments, so this is the granularity of what it frees.
    /// </summary>
    [Range(MinSegmentBytes, int.MaxValue, ErrorMessage = "SegmentBytes (--segment-bytes) must be between {1} and {2}.")]
    public int SegmentBytes { get; set; } = 1024 * 1024 * 1024;

    /// <summary>
    /// Age at which a partition starts a new segment even if it is not full (Kafka's <c>log.roll.ms</c>, default 7 days):
    /// as Kafka, when a new batch's timestamp is more than this after the segment's first. Without it a slow topic would keep everything in its active segment,
    /// which retention never deletes.
    /// </summary>
    public TimeSpan SegmentRoll { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How often retention looks for segments to delete (Kafka's <c>log.retention.check.interval.ms</c>, default 5 min).</summary>
    public TimeSpan RetentionCheckInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Smallest segment size accepted, Kafka's own floor for <c>log.segment.bytes</c> (a batch larger than a segment gets one to itself).</summary>
    internal const int MinSegmentBytes = 14;

    /// <summary>Rules the attributes cannot express, each naming its setting (and the command-line flag that sets it).</summary>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Retention != Timeout.InfiniteTimeSpan && Retention < TimeSpan.Zero)
        {
            yield return new ValidationResult(
                $"Retention (--retention-ms) must be -1 ms for unlimited or at least 0 (was {Retention.TotalMilliseconds} ms).", [nameof(Retention)]);
        }

        if (RetentionBytes < -1)
        {
            yield return new ValidationResult(
                $"RetentionBytes (--retention-bytes) must be -1 for unlimited or at least 0 (was {RetentionBytes}).", [nameof(RetentionBytes)]);
        }

        if (SegmentRoll <= TimeSpan.Zero)
        {
            yield return new ValidationResult($"SegmentRoll (--segment-ms) must be positive (was {SegmentRoll.TotalMilliseconds} ms).", [nameof(SegmentRoll)]);
        }

        if (RetentionCheckInterval <= TimeSpan.Zero)
        {
            yield return new ValidationResult(
                $"RetentionCheckInterval (--retention-check-interval-ms) must be positive (was {RetentionCheckInterval.TotalMilliseconds} ms).",
                [nameof(RetentionCheckInterval)]);
        }
    }

    /// <summary>Every broken rule (attributes and <see cref="Validate(ValidationContext)"/>), as "Invalid option Name: reason" lines.</summary>
    public IReadOnlyList<string> Validate()
    {
        var context = new ValidationContext(this);
        var errors = new List<ValidationResult>();
        if (!Validator.TryValidateObject(this, context, errors, validateAllProperties: true))
        {
            // The validator skips the object's own rules once an attribute failed; report those too, all at once.
            errors.AddRange(Validate(context).Where(e => !errors.Exists(a => a.MemberNames.SequenceEqual(e.MemberNames))));
        }

        return [.. errors.Select(e => $"Invalid option {string.Join(", ", e.MemberNames)}: {e.ErrorMessage}")];
    }

    internal string ResolveAdvertisedHost() =>
        AdvertisedHost ?? (Host is "0.0.0.0" or "::" or "[::]" ? "127.0.0.1" : Host);
}
