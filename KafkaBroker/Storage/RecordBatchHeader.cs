using System.Buffers.Binary;
using System.Numerics;
using Pipeline.KafkaBroker.Protocol;

namespace Pipeline.KafkaBroker.Storage;

/// <summary>
/// The fixed 61-byte header of a record batch (magic 2). The broker never decompresses: offsets,
/// idempotence and validation need only these fields, so batches are stored as the producer sent them.
/// </summary>
internal readonly record struct RecordBatchHeader(
    long BaseOffset,
    int BatchLength,
    sbyte Magic,
    uint Crc,
    short Attributes,
    int LastOffsetDelta,
    long BaseTimestamp,
    long MaxTimestamp,
    long ProducerId,
    short ProducerEpoch,
    int BaseSequence,
    int RecordCount)
{
    public const int Size = 61;
    private const int CrcStart = 21;

    public int TotalSize => BatchLength + 12;

    public bool IsControl => (Attributes & 0x20) != 0;

    public bool IsTransactional => (Attributes & 0x10) != 0;

    public int Compression => Attributes & 0x07;

    public bool IsIdempotent => ProducerId >= 0;

    public int LastSequence => BaseSequence < 0 ? -1 : (int)((BaseSequence + (long)LastOffsetDelta) % ((long)int.MaxValue + 1));

    public static RecordBatchHeader Read(ReadOnlySpan<byte> batch) => new(
        BinaryPrimitives.ReadInt64BigEndian(batch),
        BinaryPrimitives.ReadInt32BigEndian(batch[8..]),
        (sbyte)batch[16],
        BinaryPrimitives.ReadUInt32BigEndian(batch[17..]),
        BinaryPrimitives.ReadInt16BigEndian(batch[21..]),
        BinaryPrimitives.ReadInt32BigEndian(batch[23..]),
        BinaryPrimitives.ReadInt64BigEndian(batch[27..]),
        BinaryPrimitives.ReadInt64BigEndian(batch[35..]),
        BinaryPrimitives.ReadInt64BigEndian(batch[43..]),
        BinaryPrimitives.ReadInt16BigEndian(batch[51..]),
        BinaryPrimitives.ReadInt32BigEndian(batch[53..]),
        BinaryPrimitives.ReadInt32BigEndian(batch[57..]));

    /// <summary>
    /// Checks a producer's records field: exactly one whole magic-2 batch with a valid CRC-32C and
    /// consistent counts (Kafka's LogValidator rules); returns the error Kafka would answer.
    /// </summary>
    public static ErrorCode Validate(ReadOnlySpan<byte> records, int maxMessageBytes, out RecordBatchHeader header)
    {
        header = default;
        if (records.Length < Size)
        {
            return ErrorCode.CorruptMessage;
        }

        header = Read(records);
        if (header.Magic != 2)
        {
            return ErrorCode.UnsupportedForMessageFormat;
        }

        if (header.BatchLength < Size - 12 || header.TotalSize > records.Length)
        {
            return ErrorCode.CorruptMessage;
        }

        if (header.TotalSize != records.Length)
        {
            return ErrorCode.InvalidRecord; // more than one batch per partition (Produce v3+)
        }

        if (header.TotalSize > maxMessageBytes)
        {
            return ErrorCode.MessageTooLarge;
        }

        if (Crc32C(records[CrcStart..header.TotalSize]) != header.Crc)
        {
            return ErrorCode.CorruptMessage;
        }

        if (header.BaseOffset != 0 || header.RecordCount <= 0 || header.LastOffsetDelta != header.RecordCount - 1 || header.IsControl)
        {
            return ErrorCode.InvalidRecord;
        }

        if (header.IsIdempotent && header.BaseSequence < 0)
        {
            return ErrorCode.InvalidRecord;
        }

        return ErrorCode.None;
    }

    /// <summary>Overwrites the broker-owned fields outside the CRC: base offset and partition leader epoch.</summary>
    public static void AssignOffset(Span<byte> batch, long baseOffset, int leaderEpoch)
    {
        BinaryPrimitives.WriteInt64BigEndian(batch, baseOffset);
        BinaryPrimitives.WriteInt32BigEndian(batch[12..], leaderEpoch);
    }

    /// <summary>CRC-32C (Castagnoli), the record batch checksum, with the CPU's CRC32 instruction where available.</summary>
    public static uint Crc32C(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        while (data.Length >= 8)
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[8..];
        }

        foreach (var b in data)
        {
            crc = BitOperations.Crc32C(crc, b);
        }

        return ~crc;
    }
}
