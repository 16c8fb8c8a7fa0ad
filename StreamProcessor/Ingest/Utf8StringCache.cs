using System.Text;

namespace Pipeline.StreamProcessor.Ingest;

/// <summary>
/// Interns short UTF-8 strings that repeat across messages (keys, the <c>source</c> field): a
/// direct-mapped cache keyed by the bytes, so a repeated value costs a hash and a compare instead
/// of an allocation. Bounded: a slot is simply overwritten on collision. Not thread-safe.
/// </summary>
internal sealed class Utf8StringCache(int size = 256, int maxLength = 64)
{
    private readonly (byte[] Bytes, string Text)?[] _slots = new (byte[], string)?[size];

    public string GetOrAdd(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length > maxLength)
        {
            return Encoding.UTF8.GetString(utf8);
        }

        var hash = new HashCode();
        hash.AddBytes(utf8);
        var slot = (int)((uint)hash.ToHashCode() % (uint)_slots.Length);
        if (_slots[slot] is { } entry && utf8.SequenceEqual(entry.Bytes))
        {
            return entry.Text;
        }

        var text = Encoding.UTF8.GetString(utf8);
        _slots[slot] = (utf8.ToArray(), text);
        return text;
    }
}
