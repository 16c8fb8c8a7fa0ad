namespace Pipeline.Producer.Publishing;

/// <summary>The Producer's exit codes (a host that fails to start exits non-zero on its own).</summary>
internal static class ProducerExitCodes
{
    public const int Success = 0;

    /// <summary>Some accepted event was not acknowledged by the broker when publishing stopped: it is not in the topic.</summary>
    public const int Undelivered = 2;

    /// <summary>The exit code of a run whose publisher is <paramref name="publisher"/> (null: it never started).</summary>
    public static int Of(EventPublisher? publisher) => publisher?.ExitCode ?? Success;
}
