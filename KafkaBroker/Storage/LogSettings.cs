namespace Pipeline.KafkaBroker.Storage;

/// <summary>The part of <see cref="KafkaBrokerOptions"/> a partition's log follows: segmenting, retention and syncing.</summary>
internal sealed record LogSettings(int SegmentBytes, TimeSpan SegmentRoll, TimeSpan Retention, long RetentionBytes, bool SyncWrites)
{
    public static LogSettings From(KafkaBrokerOptions options) =>
        new(options.SegmentBytes, options.SegmentRoll, options.Retention, options.RetentionBytes, options.SyncWrites);
}
