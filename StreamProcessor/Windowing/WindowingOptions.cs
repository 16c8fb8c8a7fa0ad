namespace Pipeline.StreamProcessor.Windowing;

/// <summary>
/// Event-time windowing. Section <c>Pipeline:Windowing</c>, e.g.
/// <code>{ "Pipeline": { "Windowing": { "WindowSize": "00:00:10", "WatermarkDelay": "00:00:30" } } }</code>
/// </summary>
public sealed class WindowingOptions
{
    public const string SectionName = "Pipeline:Windowing";

    /// <summary>Width of the tumbling windows.</summary>
    public TimeSpan WindowSize { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How far the watermark trails the largest event time seen. Larger tolerates more disorder
    /// (fewer late events) but delays every final window by as much.
    /// </summary>
    public TimeSpan WatermarkDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>After this long without events, a partition's watermark follows the wall clock
    /// (<c>now − WatermarkDelay</c>) so its last windows still close.</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often the live view of open windows is logged.</summary>
    public TimeSpan UpdateInterval { get; set; } = TimeSpan.FromSeconds(5);
}
