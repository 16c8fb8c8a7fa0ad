namespace Pipeline.ServiceDefaults.Telemetry;

/// <summary>
/// The one place telemetry names are rooted. Each service owns one <c>ActivitySource</c> and one
/// <c>Meter</c> named <c>Pipeline.&lt;Service&gt;</c>; the defaults register them all by pattern.
/// </summary>
public static class PipelineTelemetry
{
    public const string Prefix = "Pipeline";

    public const string ActivitySourceNamePattern = Prefix + ".*";

    public const string MeterNamePattern = Prefix + ".*";

    /// <summary>OpenTelemetry messaging semantic-convention attribute names used by our spans.</summary>
    public static class MessagingAttributes
    {
        public const string System = "messaging.system";
        public const string DestinationName = "messaging.destination.name";
        public const string Operation = "messaging.operation.type";
        public const string PartitionId = "messaging.destination.partition.id";
        public const string Offset = "messaging.kafka.offset";
        public const string MessageKey = "messaging.kafka.message.key";
        public const string ConsumerGroup = "messaging.consumer.group.name";
        public const string BatchMessageCount = "messaging.batch.message_count";
    }
}
