using Parquet.Schema;

namespace Pipeline.StreamProcessor.Sinks;

/// <summary>
/// The Parquet schemas of the two outputs. Timestamps are logical <c>TIMESTAMP(isAdjustedToUTC=true)</c>
/// INT64 columns, never legacy INT96 (Parquet.Net's default for a plain <see cref="DateTime"/> field), so
/// DuckDB, Spark, pandas and ParquetSharp all read them as UTC instants.
/// </summary>
internal static class ParquetSchemas
{
    /// <summary>Raw events. The id is not a column: it lives in the Hive folder name <c>id=&lt;n&gt;</c>.</summary>
    internal static class Raw
    {
        public static readonly DateTimeDataField Timestamp =
            new("ts", DateTimeFormat.Timestamp, isAdjustedToUTC: true, unit: DateTimeTimeUnit.Micros, isNullable: false);

        public static readonly DataField<double> Value = new("value", nullable: false);
        public static readonly DataField<string> Source = new("source", nullable: true);
        public static readonly DataField<string> Key = new("key", nullable: true);
        public static readonly DataField<int> KafkaPartition = new("kafka_partition", nullable: false);
        public static readonly DataField<long> KafkaOffset = new("kafka_offset", nullable: false);

        // Kafka timestamps have millisecond precision.
        public static readonly DateTimeDataField KafkaTimestamp =
            new("kafka_timestamp", DateTimeFormat.Timestamp, isAdjustedToUTC: true, unit: DateTimeTimeUnit.Millis, isNullable: false);

        public static readonly ParquetSchema Schema =
            new(Timestamp, Value, Source, Key, KafkaPartition, KafkaOffset, KafkaTimestamp);
    }

    /// <summary>Closed (final) windows, one row per (window, id).</summary>
    internal static class Aggregates
    {
        public static readonly DateTimeDataField WindowStart =
            new("window_start", DateTimeFormat.Timestamp, isAdjustedToUTC: true, unit: DateTimeTimeUnit.Micros, isNullable: false);

        public static readonly DateTimeDataField WindowEnd =
            new("window_end", DateTimeFormat.Timestamp, isAdjustedToUTC: true, unit: DateTimeTimeUnit.Micros, isNullable: false);

        public static readonly DataField<int> Id = new("id", nullable: false);
        public static readonly DataField<long> Count = new("count", nullable: false);
        public static readonly DataField<double> Sum = new("sum", nullable: false);
        public static readonly DataField<double> Average = new("avg_value", nullable: false);
        public static readonly DataField<double> Min = new("min_value", nullable: false);
        public static readonly DataField<double> Max = new("max_value", nullable: false);

        public static readonly ParquetSchema Schema =
            new(WindowStart, WindowEnd, Id, Count, Sum, Average, Min, Max);
    }
}
