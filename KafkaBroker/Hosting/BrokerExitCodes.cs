namespace Pipeline.KafkaBroker.Hosting;

/// <summary>Exit codes of the runnable broker (<c>dotnet run --project KafkaBroker</c>).</summary>
public static class BrokerExitCodes
{
    /// <summary>Stopped normally (Ctrl+C, SIGTERM).</summary>
    public const int Success = 0;

    /// <summary>An option is invalid; each problem is printed to standard error.</summary>
    public const int InvalidOptions = 2;

    /// <summary>The port is taken by another broker or program; one line on standard error names it.</summary>
    public const int PortInUse = 3;
}
