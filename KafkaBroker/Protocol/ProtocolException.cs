namespace Pipeline.KafkaBroker.Protocol;

/// <summary>
/// A request that cannot be parsed. Like Apache Kafka, the broker answers it by closing the
/// connection: there is no version-independent error response.
/// </summary>
public sealed class ProtocolException(string message) : Exception(message);
