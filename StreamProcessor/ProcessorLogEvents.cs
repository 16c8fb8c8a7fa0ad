namespace Pipeline.StreamProcessor;

/// <summary>
/// Log events of the StreamProcessor that other assemblies may recognise, by their <see cref="EventId"/>
/// rather than their text (the Standalone live view leaves the window tables out of its recent log).
/// </summary>
public static class ProcessorLogEvents
{
    /// <summary>The live view's table of the windows that changed in one partition since the previous update (Information).</summary>
    public const int WindowUpdateId = 18;

    /// <inheritdoc cref="WindowUpdateId"/>
    public const string WindowUpdateName = "WindowUpdate";
}
