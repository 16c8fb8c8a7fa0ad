using System.Diagnostics;
using System.Diagnostics.Metrics;
using Pipeline.ServiceDefaults.Telemetry;

namespace Pipeline.StreamProcessor.Telemetry;

/// <summary>The StreamProcessor's activity source and instruments, named in one place.</summary>
internal sealed class ProcessorTelemetry
{
    public const string Name = PipelineTelemetry.Prefix + ".StreamProcessor";

    public static readonly ActivitySource ActivitySource = new(Name, "1.0.0");

    public ProcessorTelemetry(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        Meter = meterFactory.Create(Name, "1.0.0");
        Consumed = Meter.CreateCounter<long>(Names.Consumed, "{message}", "Messages read from the input topic and handed to processing.");
        ProcessDuration = Meter.CreateHistogram(Names.ProcessDuration, "s",
            "Duration of processing one message (decode, aggregate, buffer); rejected messages carry error.type.",
            tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = PipelineTelemetry.MessagingDurationBuckets });
        Rejected = Meter.CreateCounter<long>(Names.Rejected, "{message}", "Messages sent to the dead-letter topic, by reason.");
        Late = Meter.CreateCounter<long>(Names.Late, "{event}", "Events whose window had already closed (written raw, not aggregated).");
        WindowsEmitted = Meter.CreateCounter<long>(Names.WindowsEmitted, "{window}", "Closed windows written as final aggregates.");
        RowsCommitted = Meter.CreateCounter<long>(Names.RowsCommitted, "{row}", "Raw event rows committed to Parquet.");
        FilesCommitted = Meter.CreateCounter<long>(Names.FilesCommitted, "{file}", "Parquet files committed.");
        BytesWritten = Meter.CreateCounter<long>(Names.BytesWritten, "By", "Parquet bytes committed.");
        BatchDuration = Meter.CreateHistogram<double>(Names.BatchDuration, "ms", "Time to write, checkpoint and commit one batch.");
        CommitLatency = Meter.CreateHistogram<double>(Names.CommitLatency, "ms", "Time from an event's Kafka timestamp to the commit of its batch.");
        SinkFailures = Meter.CreateCounter<long>(Names.SinkFailures, "{failure}", "Batch commits that failed (disk full, unwritable output).");
        KeyPartitionConflicts = Meter.CreateCounter<long>(Names.KeyPartitionConflicts, "{event}", "Events whose id was first seen in another partition.");
    }

    public Meter Meter { get; }

    public Counter<long> Consumed { get; }

    public Histogram<double> ProcessDuration { get; }

    public Counter<long> Rejected { get; }

    public Counter<long> Late { get; }

    public Counter<long> WindowsEmitted { get; }

    public Counter<long> RowsCommitted { get; }

    public Counter<long> FilesCommitted { get; }

    public Counter<long> BytesWritten { get; }

    public Histogram<double> BatchDuration { get; }

    public Histogram<double> CommitLatency { get; }

    public Counter<long> SinkFailures { get; }

    public Counter<long> KeyPartitionConflicts { get; }

    /// <summary>
    /// The tags every consume and process measurement for <paramref name="topic"/> and <paramref name="consumerGroup"/>
    /// carries: build once per topic, not per message.
    /// </summary>
    public static KeyValuePair<string, object?>[] ProcessTags(string topic, string consumerGroup) =>
    [
        new(PipelineTelemetry.MessagingAttributes.System, PipelineTelemetry.MessagingValues.Kafka),
        new(PipelineTelemetry.MessagingAttributes.DestinationName, topic),
        new(PipelineTelemetry.MessagingAttributes.ConsumerGroup, consumerGroup),
        new(PipelineTelemetry.MessagingAttributes.OperationName, Operations.Process),
        new(PipelineTelemetry.MessagingAttributes.OperationType, PipelineTelemetry.MessagingValues.OperationTypes.Process),
    ];

    /// <summary>Instrument names: the OpenTelemetry messaging conventions' where they have one, <c>pipeline.*</c> otherwise.</summary>
    public static class Names
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
        public const string KeyPartitionConflicts = "pipeline.key.partition_conflicts";
        public const string ConsumerLag = "pipeline.consumer.lag";
        public const string WatermarkDelay = "pipeline.watermark.delay";
    }

    public static class Tags
    {
        public const string Topic = PipelineTelemetry.MessagingAttributes.DestinationName;
        public const string Partition = PipelineTelemetry.MessagingAttributes.PartitionId;
        public const string Reason = "pipeline.reject.reason";
    }

    /// <summary><c>messaging.operation.name</c> values.</summary>
    public static class Operations
    {
        /// <summary>One message decoded, aggregated and buffered (operation type <c>process</c>).</summary>
        public const string Process = "process";

        /// <summary>
        /// One batch made durable and its offset committed (operation type <c>settle</c>, the name Kafka's
        /// conventions give the offset commit).
        /// </summary>
        public const string Commit = "commit";
    }

    /// <summary>Span names, in OpenTelemetry messaging form <c>{operation} {destination}</c>: build once per topic.</summary>
    public static class Spans
    {
        public static string Process(string topic) => Operations.Process + " " + topic;

        public static string Commit(string topic) => Operations.Commit + " " + topic;
    }
}
