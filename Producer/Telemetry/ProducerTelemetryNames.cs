using Pipeline.ServiceDefaults.Telemetry;

namespace Pipeline.Producer.Telemetry;

/// <summary>
/// The Producer's public telemetry contract: the names of its meter, activity source, instruments and tags,
/// for dashboards and listeners in other assemblies (the Standalone live view). The instruments themselves
/// stay inside the Producer.
/// </summary>
public static class ProducerTelemetryNames
{
    /// <summary>The name of the Producer's <c>Meter</c> and <c>ActivitySource</c>.</summary>
    public const string Name = PipelineTelemetry.Prefix + ".Producer";

    /// <summary>Instrument names: the OpenTelemetry messaging conventions' where they have one, <c>pipeline.*</c> otherwise.</summary>
    public static class Instruments
    {
        /// <summary>Counter of messages sent, counted when the delivery report arrives; failed deliveries carry <see cref="Tags.ErrorType"/>.</summary>
        public const string Sent = "messaging.client.sent.messages";
        public const string Failed = "pipeline.producer.failed";
        public const string OperationDuration = "messaging.client.operation.duration";
    }

    public static class Tags
    {
        public const string Topic = PipelineTelemetry.MessagingAttributes.DestinationName;
        public const string ErrorType = PipelineTelemetry.MessagingAttributes.ErrorType;
    }
}
