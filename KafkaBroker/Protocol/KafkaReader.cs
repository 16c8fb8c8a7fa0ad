using System.Buffers.Binary;
using System.Text;

namespace Pipeline.KafkaBroker.Protocol;

/// <summary>
/// Reads Kafka's big-endian primitives from one request frame. Every read is bounds-checked and a
/// short or inconsistent frame raises <see cref="ProtocolException"/>, never an index error.
/// Written by hand: no maintained .NET library exposes the Kafka wire primitives for a server.
/// </summary>
public sealed class KafkaReader(ReadOnlyMemory<byte> buffer)
{
    private readonly ReadOnlyMemory<byte> _buffer = buffer;
    private int _position;

    public int Position => _position;

    public int Remaining => _buffer.Length - _position;

    public bool IsAtEnd => _position == _buffer.Length;

    public sbyte ReadInt8() => (sbyte)Take(1)[0];

    public bool ReadBool() => Take(1)[0] != 0;

    public short ReadInt16() => BinaryPrimitives.ReadInt16BigEndian(Take(2));

    public int ReadInt32() => BinaryPrimitives.ReadInt32BigEndian(Take(4));

    public long ReadInt64() => BinaryPrimitives.ReadInt64BigEndian(Take(8));

    public Guid ReadUuid()
    {
        var bytes = Take(16);
        return new Guid(bytes, bigEndian: true);
    }

    /// <summary>A classic (int16-length) string; throws on null.</summary>
    public string ReadString() =>
        ReadNullableString() ?? throw new ProtocolException("A non-nullable string was null.");

    /// <summary>A classic (int16-length) nullable string: length -1 means null.</summary>
    public string? ReadNullableString()
    {
        var length = ReadInt16();
        if (length < 0)
        {
            return length == -1 ? null : throw new ProtocolException($"Invalid string length {length}.");
        }

        return DecodeUtf8(Take(length));
    }

    /// <summary>Classic (int32-length) nullable bytes, as a slice of the request frame (no copy).</summary>
    public ReadOnlyMemory<byte>? ReadNullableBytes()
    {
        var length = ReadInt32();
        if (length < 0)
        {
            return length == -1 ? null : throw new ProtocolException($"Invalid bytes length {length}.");
        }

        return TakeMemory(length);
    }

    public ReadOnlyMemory<byte> ReadBytes() => ReadNullableBytes() ?? ReadOnlyMemory<byte>.Empty;

    /// <summary>A classic array length (int32). -1 (null) is returned as -1; anything larger than the
    /// bytes left in the frame is rejected before a caller allocates for it.</summary>
    public int ReadArrayLength()
    {
        var length = ReadInt32();
        if (length < -1)
        {
            throw new ProtocolException($"Invalid array length {length}.");
        }

        if (length > Remaining)
        {
            throw new ProtocolException($"Array length {length} exceeds the {Remaining} bytes left in the request.");
        }

        return length;
    }

    public uint ReadUnsignedVarint()
    {
        uint value = 0;
        for (var shift = 0; shift < 35; shift += 7)
        {
            var b = Take(1)[0];
            value |= (uint)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return value;
            }
        }

        throw new ProtocolException("Unsigned varint is longer than 5 bytes.");
    }

    /// <summary>A compact (uvarint length+1) nullable string, used by flexible versions.</summary>
    public string? ReadCompactNullableString()
    {
        var lengthPlusOne = ReadUnsignedVarint();
        if (lengthPlusOne == 0)
        {
            return null;
        }

        var length = checked((int)(lengthPlusOne - 1));
        return DecodeUtf8(Take(length));
    }

    /// <summary>Skips a tagged-field section (flexible versions); this broker knows no tags.</summary>
    public void SkipTaggedFields()
    {
        var count = ReadUnsignedVarint();
        for (var i = 0u; i < count; i++)
        {
            _ = ReadUnsignedVarint();
            var size = checked((int)ReadUnsignedVarint());
            _ = Take(size);
        }
    }

    private ReadOnlySpan<byte> Take(int count) => TakeMemory(count).Span;

    private ReadOnlyMemory<byte> TakeMemory(int count)
    {
        if (count < 0 || count > Remaining)
        {
            throw new ProtocolException($"Request ends early: wanted {count} bytes at position {_position}, {Remaining} left.");
        }

        var slice = _buffer.Slice(_position, count);
        _position += count;
        return slice;
    }

    private static readonly UTF8Encoding s_strictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static string DecodeUtf8(ReadOnlySpan<byte> bytes)
    {
        try
        {
            return s_strictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new ProtocolException("String is not valid UTF-8.");
        }
    }
}
