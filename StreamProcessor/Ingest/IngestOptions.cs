using System.ComponentModel.DataAnnotations;

namespace Pipeline.StreamProcessor.Ingest;

/// <summary>
/// Limits of the event decoder. Section <c>Pipeline:Ingest</c>, e.g.
/// <code>{ "Pipeline": { "Ingest": { "MaxMessageBytes": 65536, "MinTimestamp": "2000-01-01T00:00:00Z" } } }</code>
/// </summary>
internal sealed class IngestOptions
{
    public const string SectionName = "Pipeline:Ingest";

    /// <summary>Larger values are rejected as <c>too_large</c> before any parsing.</summary>
    [Range(16, 16 * 1024 * 1024, ErrorMessage = "Pipeline:Ingest:MaxMessageBytes must be between 16 and 16777216.")]
    public int MaxMessageBytes { get; set; } = 64 * 1024;

    /// <summary>Event times before this are implausible (<c>out_of_range:ts</c>).</summary>
    public DateTimeOffset MinTimestamp { get; set; } = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Event times after this are implausible (<c>out_of_range:ts</c>).</summary>
    public DateTimeOffset MaxTimestamp { get; set; } = new(2100, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Deepest nesting tolerated inside an event (unknown fields may hold objects).</summary>
    [Range(1, 64, ErrorMessage = "Pipeline:Ingest:MaxDepth must be between 1 and 64.")]
    public int MaxDepth { get; set; } = 8;
}
