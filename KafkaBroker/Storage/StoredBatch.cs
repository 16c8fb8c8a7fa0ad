namespace Pipeline.KafkaBroker.Storage;

/// <summary>One record batch as stored: its offsets, its newest record's timestamp and its bytes (offsets already assigned).</summary>
internal readonly record struct StoredBatch(long BaseOffset, long LastOffset, long MaxTimestamp, byte[] Data);
