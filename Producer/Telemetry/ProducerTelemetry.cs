using System.Diagnostics;
using System.Diagnostics.Metrics;
using Pipeline.ServiceDefaults.Telemetry;

namespace Pipeline.Producer.Telemetry;

/// <summary>
/// The Producer's activity source and metrics (registered by ServiceDefaults through the <c>Pipeline.*</c> pattern),
/// named after the current OpenTelemetry messaging conventions where they have a name, <c>pipeline.*</c> otherwise.
/// The names are public in <see cref="ProducerTelemetryNames"/>; the instruments stay internal.
/// </summary>
internal sealed class ProducerTelemetry
{
    public const string Name = ProducerTelemetryNames.Name;

    public static readonly ActivitySource ActivitySource = new(Name, "1.0.0");

    public ProducerTelemetry(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(Name, "1.0.0");
        Sent = meter.CreateCounter<long>(ProducerTelemetryNames.Instruments.Sent, "{message}",
            "Messages sent to the broker, counted when the delivery report arrives; failed deliveries carry error.type.");
        Failed = meter.CreateCounter<long>(ProducerTelemetryNames.Instruments.Failed, "{message}", "Messages that could not be delivered.");
        OperationDuration = meter.CreateHistogram(ProducerTelemetryNames.Instruments.OperationDuration, "s",
            "Duration of a send: from handing the message to the client until the broker acknowledged it (or it failed).",
            tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = PipelineTelemetry.MessagingDurationBuckets });
    }

    public Counter<long> Sent { get; }

    public Counter<long> Failed { get; }

    public Histogram<double> OperationDuration { get; }

    /// <summary>The tags every send measurement for <paramref name="topic"/> carries: build once per topic, not per message.</summary>
    public static KeyValuePair<string, object?>[] SendTags(string topic) =>
    [
        new(PipelineTelemetry.MessagingAttributes.System, PipelineTelemetry.MessagingValues.Kafka),
        new(PipelineTelemetry.MessagingAttributes.DestinationName, topic),
        new(PipelineTelemetry.MessagingAttributes.OperationName, Operations.Send),
        new(PipelineTelemetry.MessagingAttributes.OperationType, PipelineTelemetry.MessagingValues.OperationTypes.Send),
    ];

    /// <summary><c>messaging.operation.name</c> values (Kafka's own names for the operations).</summary>
    public static class Operations
    {
        public const string Send = "send";
    }

    /// <summary>Span names, in OpenTelemetry messaging form <c>{operation} {destination}</c>: build once per topic.</summary>
    public static class Spans
    {
        public static string Send(string topic) => Operations.Send + " " + topic;
    }
}
