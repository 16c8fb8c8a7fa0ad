using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Pipeline.KafkaBroker.Protocol;

/// <summary>
/// Writes Kafka's big-endian primitives into a pooled, growable buffer. Length prefixes whose value
/// is only known later (frame size, record data) are reserved and patched.
/// Written by hand: no maintained .NET library exposes the Kafka wire primitives for a server.
/// </summary>
public sealed class KafkaWriter : IBufferWriter<byte>, IDisposable
{
    private byte[] _buffer;
    private int _length;

    public KafkaWriter(int initialCapacity = 4096)
    {
        _buffer = ArrayPool<byte>.Shared.Rent(initialCapacity);
    }

    public int Length => _length;

    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, _length);

    public void WriteInt8(sbyte value) => Reserve(1)[0] = (byte)value;

    public void WriteBool(bool value) => Reserve(1)[0] = value ? (byte)1 : (byte)0;

    public void WriteInt16(short value) => BinaryPrimitives.WriteInt16BigEndian(Reserve(2), value);

    public void WriteInt16(ErrorCode value) => WriteInt16((short)value);

    public void WriteInt32(int value) => BinaryPrimitives.WriteInt32BigEndian(Reserve(4), value);

    public void WriteInt64(long value) => BinaryPrimitives.WriteInt64BigEndian(Reserve(8), value);

    public void WriteUuid(Guid value) => value.TryWriteBytes(Reserve(16), bigEndian: true, out _);

    /// <summary>A classic (int16-length) string; null is written as length -1.</summary>
    public void WriteString(string? value)
    {
        if (value is null)
        {
            WriteInt16(-1);
            return;
        }

        var byteCount = Encoding.UTF8.GetByteCount(value);
        if (byteCount > short.MaxValue)
        {
            throw new ArgumentException("String too long for the Kafka protocol.", nameof(value));
        }

        WriteInt16((short)byteCount);
        Encoding.UTF8.GetBytes(value, Reserve(byteCount));
    }

    /// <summary>A compact (uvarint length+1) non-null string (flexible versions).</summary>
    public void WriteCompactString(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var byteCount = Encoding.UTF8.GetByteCount(value);
        WriteUnsignedVarint((uint)byteCount + 1);
        Encoding.UTF8.GetBytes(value, Reserve(byteCount));
    }

    /// <summary>Classic (int32-length) bytes; null is written as length -1.</summary>
    public void WriteBytes(ReadOnlySpan<byte> value)
    {
        WriteInt32(value.Length);
        WriteRaw(value);
    }

    public void WriteNullBytes() => WriteInt32(-1);

    public void WriteArrayLength(int count) => WriteInt32(count);

    public void WriteRaw(ReadOnlySpan<byte> value) => value.CopyTo(Reserve(value.Length));

    public void WriteUnsignedVarint(uint value)
    {
        while (value >= 0x80)
        {
            Reserve(1)[0] = (byte)(value | 0x80);
            value >>= 7;
        }

        Reserve(1)[0] = (byte)value;
    }

    /// <summary>A compact array length (flexible versions): N + 1, 0 = null.</summary>
    public void WriteCompactArrayLength(int count) => WriteUnsignedVarint((uint)count + 1);

    /// <summary>An empty tagged-field section (flexible versions).</summary>
    public void WriteEmptyTaggedFields() => WriteUnsignedVarint(0);

    /// <summary>Reserves an int32 to fill in later with <see cref="PatchInt32"/>; returns its position.</summary>
    public int ReserveInt32()
    {
        var position = _length;
        Reserve(4);
        return position;
    }

    public void PatchInt32(int position, int value) =>
        BinaryPrimitives.WriteInt32BigEndian(_buffer.AsSpan(position, 4), value);

    public void Reset() => _length = 0;

    public void Advance(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (_length + count > _buffer.Length)
        {
            throw new InvalidOperationException("Advanced past the end of the buffer.");
        }

        _length += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        EnsureCapacity(Math.Max(sizeHint, 1));
        return _buffer.AsMemory(_length);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        EnsureCapacity(Math.Max(sizeHint, 1));
        return _buffer.AsSpan(_length);
    }

    public void Dispose()
    {
        var buffer = _buffer;
        _buffer = [];
        _length = 0;
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private Span<byte> Reserve(int count)
    {
        EnsureCapacity(count);
        var span = _buffer.AsSpan(_length, count);
        _length += count;
        return span;
    }

    private void EnsureCapacity(int additional)
    {
        var required = (long)_length + additional;
        if (required <= _buffer.Length)
        {
            return;
        }

        var newSize = (int)Math.Min(Array.MaxLength, Math.Max(required, (long)_buffer.Length * 2));
        var bigger = ArrayPool<byte>.Shared.Rent(newSize);
        _buffer.AsSpan(0, _length).CopyTo(bigger);
        if (_buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
        }

        _buffer = bigger;
    }
}
