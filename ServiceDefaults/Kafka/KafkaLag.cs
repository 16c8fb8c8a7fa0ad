using Confluent.Kafka;

namespace Pipeline.ServiceDefaults.Kafka;

/// <summary>Consumer lag: the messages in a partition after a consumer's next offset.</summary>
public static class KafkaLag
{
    /// <summary>
    /// Messages after <paramref name="nextOffset"/> (at least 0), or null when unknown (no high watermark yet,
    /// or no position: a negative <paramref name="nextOffset"/> counts as the partition's start when
    /// <paramref name="unknownPositionIsStart"/>).
    /// </summary>
    public static long? Of(WatermarkOffsets watermarks, long nextOffset, bool unknownPositionIsStart = false)
    {
        ArgumentNullException.ThrowIfNull(watermarks);
        if (watermarks.High.IsSpecial || (nextOffset < 0 && !unknownPositionIsStart))
        {
            return null;
        }

        return Math.Max(0, watermarks.High.Value - Math.Max(nextOffset, 0));
    }
}
