using System.Text;

namespace Pipeline.Benchmarks.Files;

/// <summary>
/// The partition a key goes to, as the Producer's client chooses it: librdkafka's default partitioner
/// (<c>consistent_random</c>) takes the CRC-32 of the key's bytes modulo the partition count, so one id always lands
/// in one partition, and ten ids over three partitions are not necessarily spread evenly.
/// </summary>
internal static class KeyPartitioner
{
    public static int PartitionOf(string key, int partitions) => (int)(Crc32(Encoding.UTF8.GetBytes(key)) % (uint)partitions);

    /// <summary>CRC-32 (IEEE 802.3, reflected, as zlib computes it), bit by bit: it runs once per id.</summary>
    private static uint Crc32(ReadOnlySpan<byte> bytes)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in bytes)
        {
            crc ^= b;
            for (var bit = 0; bit < 8; bit++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
            }
        }

        return ~crc;
    }
}
