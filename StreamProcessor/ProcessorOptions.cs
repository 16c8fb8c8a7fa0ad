using System.ComponentModel.DataAnnotations;

namespace Pipeline.StreamProcessor;

/// <summary>
/// What the StreamProcessor consumes and how it behaves. Section <c>Pipeline:Processor</c>, e.g.
/// <code>{ "Pipeline": { "Processor": { "Topic": "events", "GroupId": "stream-processor" } } }</code>
/// The seed's <see cref="TopicAlias"/> is an alias; every default is the initializer below (appsettings.json
/// restates none). Kafka client settings pass through from <c>Kafka:Client:*</c> (every client), then
/// <c>Kafka:Consumer:*</c> (consumer) and <c>Kafka:Producer:*</c> (dead-letter and windows topics).
/// </summary>
public sealed class ProcessorOptions
{
    public const string SectionName = "Pipeline:Processor";

    /// <summary>The seed's variable for <see cref="Topic"/>.</summary>
    public const string TopicAlias = "KAFKA_TOPIC";

    /// <summary>
    /// The input topic: a Kafka topic name (<c>KafkaTopicName</c>, checked by the validator), and so are the
    /// topics derived from it (<see cref="ResolvedWindowsTopic"/>, <see cref="ResolvedDeadLetterTopic"/>).
    /// </summary>
    [Required]
    public string Topic { get; set; } = "events";

    /// <summary>Consumer group; replicas with the same group split the partitions.</summary>
    [Required(ErrorMessage = "Pipeline:Processor:GroupId is required.")]
    public string GroupId { get; set; } = "stream-processor";

    /// <summary>
    /// Dead-letter topic for rejected messages; default <c>&lt;Topic&gt;.dlq</c>; <see cref="Off"/> (<c>none</c>): no
    /// dead-letter topic, rejected messages are only counted (<c>pipeline.events.rejected</c>) and logged (at Debug).
    /// </summary>
    public string? DeadLetterTopic { get; set; }

    /// <summary>
    /// Topic receiving every closed window as JSON; default <c>&lt;Topic&gt;.windows</c>; <see cref="Off"/> (<c>none</c>):
    /// closed windows go to the Parquet aggregates only.
    /// </summary>
    public string? WindowsTopic { get; set; }

    /// <summary>
    /// At start, create the output topics that do not exist (<see cref="ResolvedWindowsTopic"/> with the input topic's
    /// partition count, <see cref="ResolvedDeadLetterTopic"/> with one). False: a missing one fails the start, naming it
    /// and the command that creates it (for clusters where topics are managed elsewhere).
    /// </summary>
    public bool CreateTopics { get; set; } = true;

    /// <summary>Replicas of the output topics the processor creates; null (the default): the cluster's default, capped by its brokers.</summary>
    public short? TopicReplicationFactor { get; set; }

    /// <summary>Longest a poll blocks when no message is waiting (bounds trigger latency).</summary>
    public TimeSpan PollTimeout { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>First wait before retrying a failed sink commit (disk full, unwritable); doubles up to <see cref="MaxSinkRetryBackoff"/>.</summary>
    public TimeSpan SinkRetryBackoff { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxSinkRetryBackoff { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Exit with a non-zero code on the first sink failure instead of pausing and retrying.</summary>
    public bool ExitOnSinkFailure { get; set; }

    /// <summary>How long a commit waits for dead-letter and window messages to be acknowledged.</summary>
    public TimeSpan ProducerFlushTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How often each assigned partition's leader is asked for its offsets (a ListOffsets round trip): the facts that say
    /// a partition is idle (its watermark may advance with the clock) or unavailable (health is Degraded).
    /// </summary>
    public TimeSpan PartitionProbeInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long one offsets request waits for the partition's leader (also at assignment, to check the checkpoint).</summary>
    public TimeSpan PartitionProbeTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How old a leader's last answer may be and still count: an older one means the partition is not confirmed idle (its
    /// watermark waits rather than closing windows before its data arrives) and is unavailable (health Degraded, naming it).
    /// At least <see cref="PartitionProbeInterval"/>.
    /// </summary>
    public TimeSpan PartitionConfirmationMaxAge { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// When offsets a partition had not processed were deleted from the log (retention): stop (true) instead of counting
    /// them (<c>pipeline.kafka.offsets_lost</c>), logging their range, and continuing from the log start (false).
    /// </summary>
    public bool FailOnDataLoss { get; set; }

    /// <summary>
    /// The most often a partition's commits are logged at Information: one line per partition per interval, summing the
    /// commits since the previous line (every commit is still logged at Debug); zero logs every commit at Information.
    /// A week-long run at the default trigger interval commits every second: per commit, the log would be the load.
    /// </summary>
    public TimeSpan CommitLogInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>First wait between attempts to reach the broker at start; doubles up to 30 s.</summary>
    public TimeSpan StartupBackoff { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The most messages per second that get their own <c>process {topic}</c> span (a child of the producer's span),
    /// while tracing listens; 0 for none. Beyond it a message is traced only through its batch's
    /// <c>commit {topic}</c> span, which links the producers' spans of up to the first 32 messages of the batch.
    /// The default keeps every message of the demo's rate (5/s) traced from send to process, and the cost of
    /// tracing flat at hundreds of thousands of messages per second.
    /// </summary>
    public int MaxMessageSpansPerSecond { get; set; } = 100;

    /// <summary>The value of <see cref="WindowsTopic"/> or <see cref="DeadLetterTopic"/> (any case) that turns that output off.</summary>
    public const string Off = "none";

    /// <summary>Whether closed windows are published to <see cref="ResolvedWindowsTopic"/> (not <see cref="Off"/>).</summary>
    public bool PublishesWindows => !IsOff(WindowsTopic);

    /// <summary>Whether rejected messages are published to <see cref="ResolvedDeadLetterTopic"/> (not <see cref="Off"/>).</summary>
    public bool PublishesDeadLetters => !IsOff(DeadLetterTopic);

    /// <summary>The suffix of the default <see cref="ResolvedDeadLetterTopic"/>.</summary>
    public const string DeadLetterSuffix = ".dlq";

    /// <summary>The suffix of the default <see cref="ResolvedWindowsTopic"/>.</summary>
    public const string WindowsSuffix = ".windows";

    /// <summary>The dead-letter topic used: <see cref="DeadLetterTopic"/>, or <see cref="Topic"/> + <see cref="DeadLetterSuffix"/>.</summary>
    public string ResolvedDeadLetterTopic => string.IsNullOrWhiteSpace(DeadLetterTopic) ? Topic + DeadLetterSuffix : DeadLetterTopic;

    /// <summary>The windows topic used: <see cref="WindowsTopic"/>, or <see cref="Topic"/> + <see cref="WindowsSuffix"/>.</summary>
    public string ResolvedWindowsTopic => string.IsNullOrWhiteSpace(WindowsTopic) ? Topic + WindowsSuffix : WindowsTopic;

    private static bool IsOff(string? topic) => string.Equals(topic?.Trim(), Off, StringComparison.OrdinalIgnoreCase);
}
