namespace Pipeline.Tests.TestKit;

/// <summary>
/// The settings that place an in-process StreamProcessor a test starts: the broker, the input topic, the consumer
/// group and the run it writes. Stated once, so a test lists only the settings its scenario is about.
/// </summary>
internal static class ProcessorTestSettings
{
    /// <param name="bootstrapServers">The broker, <c>ConnectionStrings:kafka</c>.</param>
    /// <param name="topic">The input topic.</param>
    /// <param name="outputPath">The folder the runs are written under.</param>
    /// <param name="runId">The run, a folder of <paramref name="outputPath"/>.</param>
    /// <param name="groupId">The consumer group; <c>group-&lt;topic&gt;</c> when null.</param>
    /// <param name="more">The test's own settings, added after (and over) the placement.</param>
    public static Dictionary<string, string?> Placement(
        string bootstrapServers,
        string topic,
        string outputPath,
        string runId,
        string? groupId = null,
        IEnumerable<KeyValuePair<string, string?>>? more = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:kafka"] = bootstrapServers,
            ["Pipeline:Processor:Topic"] = topic,
            ["Pipeline:Processor:GroupId"] = groupId ?? "group-" + topic,
            ["Pipeline:Output:OutputPath"] = outputPath,
            ["Pipeline:Output:RunId"] = runId,
        };
        foreach (var (key, value) in more ?? [])
        {
            settings[key] = value;
        }

        return settings;
    }
}
