namespace Pipeline.Standalone;

/// <summary>What the one-command pipeline runs: the embedded broker, the Producer and the StreamProcessor.</summary>
internal sealed record StandaloneOptions
{
    public int Port { get; init; } = 9092;

    public int Partitions { get; init; } = 3;

    public string Topic { get; init; } = "events";

    public double MessagesPerSecond { get; init; } = 20;

    public string OutputPath { get; init; } = Path.Combine("data", "output");

    public string RunId { get; init; } = "default";

    /// <summary>Broker data; null keeps the topic in memory (a restart then starts from an empty topic).</summary>
    public string? BrokerDataDirectory { get; init; } = Path.Combine("data", "kafka");

    /// <summary>Shorter than the service default (30 s) so closed windows show within seconds on a demo.</summary>
    public TimeSpan WatermarkDelay { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Stop by itself after this long (smoke runs); null runs until Ctrl+C.</summary>
    public TimeSpan? Duration { get; init; }

    /// <summary>Plain status lines instead of the live terminal view (also when output is redirected).</summary>
    public bool PlainOutput { get; init; }

    /// <summary>
    /// The settings both services start from, as configuration keys: what Aspire or compose would
    /// put in their environment. Environment variables given to this process override them.
    /// </summary>
    public Dictionary<string, string?> ServiceSettings(string bootstrapServers) => new()
    {
        ["ConnectionStrings:kafka"] = bootstrapServers,
        ["Pipeline:Producer:Topic"] = Topic,
        ["Pipeline:Producer:MessagesPerSecond"] = MessagesPerSecond.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Pipeline:Processor:Topic"] = Topic,
        ["Pipeline:Output:OutputPath"] = OutputPath,
        ["Pipeline:Output:RunId"] = RunId,
        ["Pipeline:Windowing:WatermarkDelay"] = WatermarkDelay.ToString("c", System.Globalization.CultureInfo.InvariantCulture),
        ["Pipeline:Windowing:IdleTimeout"] = "00:00:10",
    };
}
