namespace Pipeline.KafkaBroker.Telemetry;

/// <summary>
/// Names of the broker's meter, instruments and tags. The meter follows the services'
/// <c>Pipeline.&lt;Service&gt;</c> convention, so the service defaults' <c>Pipeline.*</c> pattern exports it.
/// </summary>
public static class KafkaBrokerTelemetry
{
    public const string MeterName = "Pipeline.KafkaBroker";

    public const string MeterVersion = "1.0.0";

    public static class Names
    {
        public const string Connections = "pipeline.broker.connections";
        public const string Requests = "pipeline.broker.requests";
        public const string BytesReceived = "pipeline.broker.bytes_received";
        public const string BytesSent = "pipeline.broker.bytes_sent";
        public const string LogEndOffset = "pipeline.broker.log_end_offset";
        public const string LogStartOffset = "pipeline.broker.log_start_offset";
        public const string RetentionSegmentsDeleted = "pipeline.broker.retention.segments_deleted";
        public const string RetentionBytesDeleted = "pipeline.broker.retention.bytes_deleted";
    }

    public static class Tags
    {
        /// <summary>The request's API name (<c>Produce</c>, <c>Fetch</c>, …).</summary>
        public const string ApiKey = "kafka.api_key";
        public const string Topic = "messaging.destination.name";
        public const string Partition = "messaging.destination.partition.id";

        /// <summary>On the meter itself: where this broker listens, to tell brokers of one process apart.</summary>
        public const string ServerAddress = "server.address";
        public const string ServerPort = "server.port";
    }
}
