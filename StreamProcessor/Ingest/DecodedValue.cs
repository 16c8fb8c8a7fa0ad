namespace Pipeline.StreamProcessor.Ingest;

/// <summary>
/// A message value as the consumer hands it over: decoded straight from librdkafka's buffer into
/// an event, or rejected with its reason and a copy of the original bytes for the dead-letter topic
/// (the only copy ever made, and only for rejects).
/// </summary>
internal readonly record struct DecodedValue(SensorEvent Event, string? RejectReason, string? RejectDetail, byte[]? OriginalBytes)
{
    public bool IsValid => RejectReason is null;
}
