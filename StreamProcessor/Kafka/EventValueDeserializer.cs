using Confluent.Kafka;
using Pipeline.StreamProcessor.Ingest;

namespace Pipeline.StreamProcessor.Kafka;

/// <summary>
/// Confluent deserializer that decodes the event from the message span, so no byte array or
/// string is allocated per message on the hot path.
/// </summary>
internal sealed class EventValueDeserializer(EventDecoder decoder) : IDeserializer<DecodedValue>
{
    public DecodedValue Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context)
    {
        if (isNull)
        {
            return new DecodedValue(default, RejectReasons.Empty, "The message has no value (null).", null);
        }

        var result = decoder.Decode(data);
        return result.IsSuccess
            ? new DecodedValue(result.Event, null, null, null)
            : new DecodedValue(default, result.Reason, result.Detail, data.ToArray());
    }
}
