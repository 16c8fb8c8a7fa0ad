using Parquet;
using Parquet.Schema;
using Pipeline.StreamProcessor.Contracts;

namespace Pipeline.StreamProcessor.Sinks;

/// <summary>
/// The Parquet schemas of the two outputs. Timestamps are logical <c>TIMESTAMP(isAdjustedToUTC=true)</c>
/// INT64 columns, never legacy INT96 (Parquet.Net's default for a plain <see cref="DateTime"/> field), so
/// DuckDB, Spark, pandas and ParquetSharp all read them as UTC instants.
/// </summary>
internal static class ParquetSchemas
{
    /// <summary>How every output file is written (batches and compactions alike): Snappy, the readers' common default.</summary>
    public static readonly ParquetOptions WriteOptions = new() { CompressionMethod = CompressionMethod.Snappy };

    /// <summary>Raw events. The id is not a column: it lives in the Hive folder name <c>id=&lt;n&gt;</c>.</summary>
    internal static class Raw
    {
        public static readonly DateTimeDataField Timestamp =
            new(RawEventColumnNames.Timestamp, DateTimeFormat.Timestamp, isAdjustedToUTC: true, unit: DateTimeTimeUnit.Micros, isNullable: false);

        public static readonly DataField<double> Value = new(RawEventColumnNames.Value, nullable: false);
        public static readonly DataField<string> Source = new(RawEventColumnNames.Source, nullable: true);
        public static readonly DataField<string> Key = new(RawEventColumnNames.Key, nullable: true);
        public static readonly DataField<int> KafkaPartition = new(RawEventColumnNames.KafkaPartition, nullable: false);
        public static readonly DataField<long> KafkaOffset = new(RawEventColumnNames.KafkaOffset, nullable: false);

        // Kafka timestamps have millisecond precision.
        public static readonly DateTimeDataField KafkaTimestamp =
            new(RawEventColumnNames.KafkaTimestamp, DateTimeFormat.Timestamp, isAdjustedToUTC: true, unit: DateTimeTimeUnit.Millis, isNullable: false);

        public static readonly ParquetSchema Schema =
            new(Timestamp, Value, Source, Key, KafkaPartition, KafkaOffset, KafkaTimestamp);
    }

    /// <summary>Closed (final) windows, one row per (window, id): the columns of <see cref="ClosedWindow"/>.</summary>
    internal static class Aggregates
    {
        public static readonly DateTimeDataField WindowStart =
            new(ClosedWindow.Columns.WindowStart, DateTimeFormat.Timestamp, isAdjustedToUTC: true, unit: DateTimeTimeUnit.Micros, isNullable: false);

        public static readonly DateTimeDataField WindowEnd =
            new(ClosedWindow.Columns.WindowEnd, DateTimeFormat.Timestamp, isAdjustedToUTC: true, unit: DateTimeTimeUnit.Micros, isNullable: false);

        public static readonly DataField<int> Id = new(ClosedWindow.Columns.Id, nullable: false);
        public static readonly DataField<long> Count = new(ClosedWindow.Columns.Count, nullable: false);
        public static readonly DataField<double> Sum = new(ClosedWindow.Columns.Sum, nullable: false);
        public static readonly DataField<double> Average = new(ClosedWindow.Columns.Average, nullable: false);
        public static readonly DataField<double> Min = new(ClosedWindow.Columns.Min, nullable: false);
        public static readonly DataField<double> Max = new(ClosedWindow.Columns.Max, nullable: false);

        public static readonly ParquetSchema Schema =
            new(WindowStart, WindowEnd, Id, Count, Sum, Average, Min, Max);
    }
}
