namespace Pipeline.KafkaBroker.Storage;

/// <summary>What one retention pass freed in a partition, and where its log now starts.</summary>
internal readonly record struct RetentionResult(int Segments, long Bytes, long LogStartOffset);
