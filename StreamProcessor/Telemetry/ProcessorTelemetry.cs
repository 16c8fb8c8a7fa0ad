using System.Diagnostics;
using System.Diagnostics.Metrics;
using Pipeline.ServiceDefaults.Telemetry;

namespace Pipeline.StreamProcessor.Telemetry;

/// <summary>
/// The StreamProcessor's activity source and instruments. Their names are public in <see cref="ProcessorTelemetryNames"/>;
/// the instruments stay internal.
/// </summary>
internal sealed class ProcessorTelemetry
{
    public const string Name = ProcessorTelemetryNames.Name;

    public static readonly ActivitySource ActivitySource = new(Name, "1.0.0");

    public ProcessorTelemetry(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        Meter = meterFactory.Create(Name, "1.0.0");
        Consumed = Meter.CreateCounter<long>(ProcessorTelemetryNames.Instruments.Consumed, "{message}", "Messages read from the input topic and handed to processing.");
        ProcessDuration = Meter.CreateHistogram(ProcessorTelemetryNames.Instruments.ProcessDuration, "s",
            "Duration of processing one message (decode, aggregate, buffer); rejected messages carry error.type.",
            tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = PipelineTelemetry.MessagingDurationBuckets });
        Rejected = Meter.CreateCounter<long>(ProcessorTelemetryNames.Instruments.Rejected, "{message}", "Messages sent to the dead-letter topic, by reason.");
        Late = Meter.CreateCounter<long>(ProcessorTelemetryNames.Instruments.Late, "{event}", "Events whose window had already closed (written raw, not aggregated).");
        WindowsEmitted = Meter.CreateCounter<long>(ProcessorTelemetryNames.Instruments.WindowsEmitted, "{window}", "Closed windows written as final aggregates.");
        RowsCommitted = Meter.CreateCounter<long>(ProcessorTelemetryNames.Instruments.RowsCommitted, "{row}", "Raw event rows committed to Parquet.");
        FilesCommitted = Meter.CreateCounter<long>(ProcessorTelemetryNames.Instruments.FilesCommitted, "{file}", "Parquet files committed.");
        BytesWritten = Meter.CreateCounter<long>(ProcessorTelemetryNames.Instruments.BytesWritten, "By", "Parquet bytes committed.");
        BatchDuration = Meter.CreateHistogram<double>(ProcessorTelemetryNames.Instruments.BatchDuration, "ms", "Time to write, checkpoint and commit one batch.");
        CommitLatency = Meter.CreateHistogram<double>(ProcessorTelemetryNames.Instruments.CommitLatency, "ms", "Time from an event's Kafka timestamp to the commit of its batch.");
        SinkFailures = Meter.CreateCounter<long>(ProcessorTelemetryNames.Instruments.SinkFailures, "{failure}", "Batch commits that failed (disk full, unwritable output).");
        FilesCompacted = Meter.CreateCounter<long>(ProcessorTelemetryNames.Instruments.FilesCompacted, "{file}", "Small Parquet files merged into a compacted file, and deleted.");
        CompactedBytes = Meter.CreateCounter<long>(ProcessorTelemetryNames.Instruments.CompactedBytes, "By", "Bytes of the compacted Parquet files written.");
        KeyPartitionConflicts = Meter.CreateCounter<long>(ProcessorTelemetryNames.Instruments.KeyPartitionConflicts, "{event}", "Events whose id was first seen in another partition.");
        OffsetsLost = Meter.CreateCounter<long>(ProcessorTelemetryNames.Instruments.OffsetsLost, "{offset}", "Offsets deleted from the log (retention) before they were processed.");
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

    public Counter<long> FilesCompacted { get; }

    public Counter<long> CompactedBytes { get; }

    public Counter<long> KeyPartitionConflicts { get; }

    public Counter<long> OffsetsLost { get; }

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
