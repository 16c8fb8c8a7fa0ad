using System.Text;
using Confluent.Kafka;

namespace Pipeline.StreamProcessor.Ingest;

/// <summary>
/// Keys are ids ("0".."9" in the simulation): the last strings seen are cached by their bytes so
/// a key costs no allocation per message. Bytes that are not UTF-8 decode with replacement
/// characters (the key is informational; the value carries the id).
/// </summary>
internal sealed class KeyDeserializer : IDeserializer<string?>
{
    private const int CacheSize = 256;
    private readonly (byte[] Bytes, string Text)?[] _cache = new (byte[], string)?[CacheSize];

    public string? Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context)
    {
        if (isNull)
        {
            return null;
        }

        if (data.Length > 32)
        {
            return Encoding.UTF8.GetString(data);
        }

        var slot = (int)((uint)HashCode(data) % CacheSize);
        if (_cache[slot] is { } entry && data.SequenceEqual(entry.Bytes))
        {
            return entry.Text;
        }

        var text = Encoding.UTF8.GetString(data);
        _cache[slot] = (data.ToArray(), text);
        return text;
    }

    private static int HashCode(ReadOnlySpan<byte> data)
    {
        var hash = new HashCode();
        hash.AddBytes(data);
        return hash.ToHashCode();
    }
}
