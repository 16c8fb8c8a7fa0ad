using Pipeline.ServiceDefaults.Telemetry;

namespace Pipeline.StreamProcessor.Telemetry;

/// <summary>
/// The StreamProcessor's public telemetry contract: the names of its meter, activity source, instruments and
/// tags, for dashboards and listeners in other assemblies (the Standalone live view). The instruments
/// themselves stay inside the StreamProcessor.
/// </summary>
public static class ProcessorTelemetryNames
{
    /// <summary>The name of the StreamProcessor's <c>Meter</c> and <c>ActivitySource</c>.</summary>
    public const string Name = PipelineTelemetry.Prefix + ".StreamProcessor";

    /// <summary>Instrument names: the OpenTelemetry messaging conventions' where they have one, <c>pipeline.*</c> otherwise.</summary>
    public static class Instruments
    {
        public const string Consumed = "messaging.client.consumed.messages";
        public const string ProcessDuration = "messaging.process.duration";
        public const string Rejected = "pipeline.events.rejected";
        public const string Late = "pipeline.events.late";
        public const string WindowsEmitted = "pipeline.windows.emitted";
        public const string RowsCommitted = "pipeline.parquet.rows";
        public const string FilesCommitted = "pipeline.parquet.files";
        public const string BytesWritten = "pipeline.parquet.bytes_written";
        public const string BatchDuration = "pipeline.batch.duration";
        public const string CommitLatency = "pipeline.event.commit_latency";
        public const string SinkFailures = "pipeline.sink.failures";

        /// <summary>Small files merged away by compaction (each now covered by a compacted file, and deleted).</summary>
        public const string FilesCompacted = "pipeline.files.compacted";

        /// <summary>Bytes of the compacted files written.</summary>
        public const string CompactedBytes = "pipeline.files.compacted_bytes";
        public const string KeyPartitionConflicts = "pipeline.key.partition_conflicts";

        /// <summary>Offsets deleted from the log before the processor read them (retention), tagged with the partition.</summary>
        public const string OffsetsLost = "pipeline.kafka.offsets_lost";

        /// <summary>Observable gauge of the consumer lag, one measurement per partition (tagged <see cref="Tags.Partition"/>).</summary>
        public const string ConsumerLag = "pipeline.consumer.lag";
        public const string WatermarkDelay = "pipeline.watermark.delay";

        /// <summary>Observable gauge of the window intervals still open, per partition.</summary>
        public const string OpenWindows = "pipeline.windows.open";

        /// <summary>Observable gauge of the aggregates held in state (one per key and open window), per partition.</summary>
        public const string StateRows = "pipeline.state.rows";

        /// <summary>Observable gauge, per partition: 1 while its leader answers the offsets probe, 0 while it does not.</summary>
        public const string LeaderAnswering = "pipeline.partition.leader_answering";
    }

    public static class Tags
    {
        public const string Topic = PipelineTelemetry.MessagingAttributes.DestinationName;

        /// <summary>The partition id, as a string (the messaging conventions' form).</summary>
        public const string Partition = PipelineTelemetry.MessagingAttributes.PartitionId;
        public const string Reason = "pipeline.reject.reason";
    }
}
