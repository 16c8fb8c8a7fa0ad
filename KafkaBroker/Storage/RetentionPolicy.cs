namespace Pipeline.KafkaBroker.Storage;

/// <summary>
/// Which of a partition's oldest segments retention deletes, by Kafka's rules (<c>UnifiedLog.deleteOldSegments</c>):
/// only whole segments, only from the head, never the active (last) one; a segment goes when its newest record is
/// older than the retention time, when the log without it still holds at least the retention bytes, or when the
/// log start (DeleteRecords) has moved past all of it.
/// </summary>
internal static class RetentionPolicy
{
    /// <summary>How many segments from the head of <paramref name="segments"/> to delete.</summary>
    public static int DeletableHeadSegments(
        IReadOnlyList<LogSegment> segments, long logStartOffset, long nowMs, TimeSpan retention, long retentionBytes)
    {
        var deletable = segments.Count - 1;
        var count = 0;
        if (retention != Timeout.InfiniteTimeSpan)
        {
            var retentionMs = (long)retention.TotalMilliseconds;
            while (count < deletable && nowMs - segments[count].LargestTimestampMs > retentionMs)
            {
                count++;
            }
        }

        if (retentionBytes >= 0)
        {
            var excess = -retentionBytes;
            for (var i = count; i < segments.Count; i++)
            {
                excess += segments[i].Size;
            }

            while (count < deletable && excess - segments[count].Size >= 0)
            {
                excess -= segments[count].Size;
                count++;
            }
        }

        while (count < deletable && segments[count + 1].BaseOffset <= logStartOffset)
        {
            count++;
        }

        return count;
    }
}
