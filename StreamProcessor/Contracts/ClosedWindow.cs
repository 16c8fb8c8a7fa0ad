using System.Text.Json.Serialization;

namespace Pipeline.StreamProcessor.Contracts;

/// <summary>
/// A closed (final) window of one id, <c>[WindowStart, WindowEnd)</c> in UTC, as the processor publishes it:
/// one row of the aggregates Parquet files and one message of the windows topic. Every name of those outputs
/// is stated once, in <see cref="Columns"/>; <see cref="ClosedWindowJsonContext"/> is the topic's JSON.
/// </summary>
/// <remarks>The windows-topic message (key = id, timestamp = <see cref="WindowEnd"/>):
/// <code>
/// {"window_start":"2026-01-02T03:04:05Z","window_end":"2026-01-02T03:04:15Z","id":7,"count":4,"sum":10.5,"avg_value":2.625,"min_value":-1.25,"max_value":6}
/// </code>
/// </remarks>
public sealed record ClosedWindow(
    [property: JsonPropertyName(ClosedWindow.Columns.WindowStart)] DateTime WindowStart,
    [property: JsonPropertyName(ClosedWindow.Columns.WindowEnd)] DateTime WindowEnd,
    [property: JsonPropertyName(ClosedWindow.Columns.Id)] int Id,
    [property: JsonPropertyName(ClosedWindow.Columns.Count)] long Count,
    [property: JsonPropertyName(ClosedWindow.Columns.Sum)] double Sum,
    [property: JsonPropertyName(ClosedWindow.Columns.Average)] double Average,
    [property: JsonPropertyName(ClosedWindow.Columns.Min)] double Min,
    [property: JsonPropertyName(ClosedWindow.Columns.Max)] double Max)
{
    /// <summary>The column names of the aggregates Parquet files, which are also the windows topic's JSON names.</summary>
    public static class Columns
    {
        public const string WindowStart = "window_start";
        public const string WindowEnd = "window_end";
        public const string Id = "id";
        public const string Count = "count";
        public const string Sum = "sum";
        public const string Average = "avg_value";
        public const string Min = "min_value";
        public const string Max = "max_value";

        /// <summary>Every column, in file order.</summary>
        public static IReadOnlyList<string> All { get; } = [WindowStart, WindowEnd, Id, Count, Sum, Average, Min, Max];
    }
}

/// <summary>
/// The windows topic's JSON (source-generated): written by the processor, read by any consumer of the topic.
/// Every member is required on read, so a message missing one fails rather than reading 0.
/// </summary>
[JsonSourceGenerationOptions(RespectRequiredConstructorParameters = true, RespectNullableAnnotations = true)]
[JsonSerializable(typeof(ClosedWindow))]
public sealed partial class ClosedWindowJsonContext : JsonSerializerContext;
