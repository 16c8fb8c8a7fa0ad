namespace Pipeline.StreamProcessor.Ingest;

/// <summary>
/// One valid event, decoded straight from the message bytes.
/// <paramref name="Timestamp"/> is event time, always <see cref="DateTimeKind.Utc"/>.
/// </summary>
internal readonly record struct SensorEvent(int Id, DateTime Timestamp, double Value, string? Source);
