using System.Globalization;

namespace Pipeline.ServiceDefaults.Telemetry;

/// <summary>
/// The one place telemetry names are rooted. Each service owns one <c>ActivitySource</c> and one
/// <c>Meter</c> named <c>Pipeline.&lt;Service&gt;</c>; the defaults register them all by pattern.
/// </summary>
public static class PipelineTelemetry
{
    public const string Prefix = "Pipeline";

    private static readonly string?[] s_partitionIds = new string?[256];

    public const string ActivitySourceNamePattern = Prefix + ".*";

    public const string MeterNamePattern = Prefix + ".*";

    /// <summary>
    /// Histogram bucket boundaries, in seconds, that the messaging conventions advise for
    /// <c>messaging.client.operation.duration</c> and <c>messaging.process.duration</c>.
    /// </summary>
    public static IReadOnlyList<double> MessagingDurationBuckets { get; } =
        [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

    /// <summary>
    /// OpenTelemetry messaging semantic-convention attribute names used by our spans and metrics
    /// (semantic conventions 1.3x, messaging "Development" status; Kafka specifics from its page).
    /// </summary>
    public static class MessagingAttributes
    {
        public const string System = "messaging.system";
        public const string DestinationName = "messaging.destination.name";
        public const string OperationType = "messaging.operation.type";
        public const string OperationName = "messaging.operation.name";
        public const string PartitionId = "messaging.destination.partition.id";
        public const string Offset = "messaging.kafka.offset";
        public const string MessageKey = "messaging.kafka.message.key";
        public const string ConsumerGroup = "messaging.consumer.group.name";
        public const string BatchMessageCount = "messaging.batch.message_count";
        public const string ErrorType = "error.type";
    }

    /// <summary>Well-known values of the messaging attributes.</summary>
    public static class MessagingValues
    {
        /// <summary><c>messaging.system</c> for Apache Kafka.</summary>
        public const string Kafka = "kafka";

        /// <summary><c>messaging.operation.type</c> values.</summary>
        public static class OperationTypes
        {
            public const string Send = "send";
            public const string Process = "process";
            public const string Settle = "settle";
        }
    }

    /// <summary>
    /// <c>messaging.destination.partition.id</c> is a string: the partition's decimal form, cached
    /// for the first 256 partitions so per-message spans and tags do not allocate it.
    /// </summary>
    public static string PartitionId(int partition)
    {
        if ((uint)partition >= (uint)s_partitionIds.Length)
        {
            return partition.ToString(CultureInfo.InvariantCulture);
        }

        // A race only builds the same string twice.
        return s_partitionIds[partition] ??= partition.ToString(CultureInfo.InvariantCulture);
    }
}
