using System.Diagnostics;
using System.Diagnostics.Metrics;
using Pipeline.ServiceDefaults.Telemetry;

namespace Pipeline.Producer.Telemetry;

/// <summary>The Producer's activity source and metrics (registered by ServiceDefaults through the <c>Pipeline.*</c> pattern).</summary>
internal sealed class ProducerTelemetry
{
    public const string Name = PipelineTelemetry.Prefix + ".Producer";

    public static readonly ActivitySource ActivitySource = new(Name, "1.0.0");

    public ProducerTelemetry(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(Name, "1.0.0");
        Sent = meter.CreateCounter<long>(Names.Sent, "{message}", "Messages the broker acknowledged.");
        Failed = meter.CreateCounter<long>(Names.Failed, "{message}", "Messages that could not be delivered.");
        DeliveryLatency = meter.CreateHistogram<double>(Names.DeliveryLatency, "ms", "Time from creating an event to its acknowledgement.");
    }

    public Counter<long> Sent { get; }

    public Counter<long> Failed { get; }

    public Histogram<double> DeliveryLatency { get; }

    /// <summary>Instrument names, in Aspire.Confluent.Kafka's vocabulary where it has one.</summary>
    public static class Names
    {
        public const string Sent = "messaging.publish.messages";
        public const string Failed = "pipeline.producer.failed";
        public const string DeliveryLatency = "messaging.publish.duration";
    }

    public static class Tags
    {
        public const string Topic = PipelineTelemetry.MessagingAttributes.DestinationName;
        public const string ErrorType = "error.type";
    }
}
