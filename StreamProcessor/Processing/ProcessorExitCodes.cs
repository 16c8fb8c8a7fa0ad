namespace Pipeline.StreamProcessor.Processing;

/// <summary>The StreamProcessor's exit codes, from how its worker ended.</summary>
internal static class ProcessorExitCodes
{
    public const int Success = 0;

    /// <summary>A fatal error stopped the worker (a fatal Kafka error, a refused dead letter or window).</summary>
    public const int Failed = 1;

    /// <summary>The output could not be written and <see cref="ProcessorOptions.ExitOnSinkFailure"/> is set.</summary>
    public const int SinkFailed = 3;

    public static int Of(Task? execution) => execution?.Exception?.InnerException switch
    {
        null => Success,
        SinkFailedException => SinkFailed,
        _ => Failed,
    };
}
