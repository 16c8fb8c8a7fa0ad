namespace Pipeline.StreamProcessor.Contracts;

/// <summary>
/// The column names of the raw-event Parquet files, in file order. The id is not a column there: it is the
/// Hive folder <c>id=&lt;n&gt;</c> (<see cref="Storage.OutputLayout.IdFolderPrefix"/>); exports put it first as <see cref="Id"/>.
/// </summary>
public static class RawEventColumnNames
{
    public const string Id = "id";
    public const string Timestamp = "ts";
    public const string Value = "value";
    public const string Source = "source";
    public const string Key = "key";
    public const string KafkaPartition = "kafka_partition";
    public const string KafkaOffset = "kafka_offset";
    public const string KafkaTimestamp = "kafka_timestamp";
}
