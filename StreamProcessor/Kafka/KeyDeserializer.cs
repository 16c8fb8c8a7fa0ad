using Confluent.Kafka;
using Pipeline.StreamProcessor.Ingest;

namespace Pipeline.StreamProcessor.Kafka;

/// <summary>
/// Keys are ids ("0".."9" in the simulation): interned by their bytes, so a key costs no
/// allocation per message. Bytes that are not UTF-8 decode with replacement characters (the key
/// is informational; the value carries the id).
/// </summary>
internal sealed class KeyDeserializer : IDeserializer<string?>
{
    private readonly Utf8StringCache _cache = new();

    public string? Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context) =>
        isNull ? null : _cache.GetOrAdd(data);
}
