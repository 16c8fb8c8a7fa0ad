namespace Pipeline.Benchmarks.Files;

/// <summary>
/// The small-files issue's targets, the one place they are stated. Each holds for one configuration; a run at another
/// prints the figure and says the target is not judged.
/// </summary>
internal static class FilesTargets
{
    /// <summary>The demo's rate (the Producer's default), events/s, and the span the file count is stated for, hours.</summary>
    public const double DemoRate = 5;

    public const double DayHours = 24;

    /// <summary>Parquet files existing after <see cref="DayHours"/> at <see cref="DemoRate"/>.</summary>
    public const int MaxFilesPerDayAtDemoRate = 500;

    /// <summary>The heavy rate the file size is stated for, events/s.</summary>
    public const double HighRate = 50_000;

    /// <summary>Median bytes of a raw file at <see cref="HighRate"/>.</summary>
    public const long MinRawFileBytesAtHighRate = 64L * 1024 * 1024;

    /// <summary>The longest an event may take from its arrival to being readable (committed), at any rate.</summary>
    public static readonly TimeSpan MaxReadableAfter = TimeSpan.FromSeconds(60);
}
