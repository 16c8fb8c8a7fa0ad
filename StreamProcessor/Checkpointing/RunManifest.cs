namespace Pipeline.StreamProcessor.Checkpointing;

/// <summary>
/// What every window of a run depends on, stored once per run in <c>&lt;run&gt;/_checkpoints/_run.json</c> by the
/// first start and checked by every later start before it consumes (<c>Processing/RunSettingsGuard</c>): a window
/// checkpointed with one size must not be closed, or its partition resumed, with another.
/// </summary>
/// <param name="WindowSize"><c>Pipeline:Windowing:WindowSize</c> of the run.</param>
/// <param name="WatermarkDelay"><c>Pipeline:Windowing:WatermarkDelay</c> of the run.</param>
/// <param name="Version">The file format version; a file of another version is refused, not guessed at.</param>
internal sealed record RunManifest(
    TimeSpan WindowSize,
    TimeSpan WatermarkDelay,
    int Version = RunManifest.CurrentVersion)
{
    public const int CurrentVersion = 1;
}
