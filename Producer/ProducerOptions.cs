using System.ComponentModel.DataAnnotations;

namespace Pipeline.Producer;

/// <summary>
/// What the Producer publishes and how fast. Section <c>Pipeline:Producer</c>, e.g.
/// <code>{ "Pipeline": { "Producer": { "Topic": "events", "MessagesPerSecond": 5, "Seed": 42 } } }</code>
/// The seed's variables are aliases (<see cref="TopicAlias"/>, <see cref="MessagesPerSecondAlias"/>); every
/// default is the initializer below (appsettings.json restates none).
/// </summary>
public sealed class ProducerOptions
{
    public const string SectionName = "Pipeline:Producer";

    /// <summary>The seed's variable for <see cref="Topic"/>.</summary>
    public const string TopicAlias = "KAFKA_TOPIC";

    /// <summary>The seed's variable for <see cref="MessagesPerSecond"/>.</summary>
    public const string MessagesPerSecondAlias = "MSGS_PER_SEC";

    /// <summary>Topic to publish to: a Kafka topic name (<c>KafkaTopicName</c>, checked by the validator).</summary>
    [Required]
    public string Topic { get; set; } = "events";

    /// <summary>Target rate; ignored when <see cref="Unthrottled"/>.</summary>
    [Range(0.001, 10_000_000, ErrorMessage = SectionName + ":" + nameof(MessagesPerSecond) + " (" + MessagesPerSecondAlias + ") must be between 0.001 and 10000000.")]
    public double MessagesPerSecond { get; set; } = 5;

    /// <summary>Publish as fast as the client accepts (load runs).</summary>
    public bool Unthrottled { get; set; }

    /// <summary>Stop after this many events (and exit when <see cref="ExitWhenDone"/>); null runs forever.</summary>
    [Range(1, long.MaxValue, ErrorMessage = "Pipeline:Producer:TotalMessages must be at least 1.")]
    public long? TotalMessages { get; set; }

    /// <summary>Stop the host once <see cref="TotalMessages"/> are delivered.</summary>
    public bool ExitWhenDone { get; set; }

    /// <summary>Seed for reproducible values; null picks one (and logs it).</summary>
    public int? Seed { get; set; }

    /// <summary>Ids cycle through 0..IdCount-1.</summary>
    [Range(1, 1_000_000, ErrorMessage = "Pipeline:Producer:IdCount must be between 1 and 1000000.")]
    public int IdCount { get; set; } = 10;

    /// <summary>The <c>source</c> field of every event.</summary>
    [Required]
    public string Source { get; set; } = "sim-producer";

    /// <summary>First wait between attempts to reach the broker at start; doubles up to <see cref="MaxStartupBackoff"/>.</summary>
    public TimeSpan StartupBackoff { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxStartupBackoff { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long shutdown waits for in-flight messages to be delivered.</summary>
    public TimeSpan FlushTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
