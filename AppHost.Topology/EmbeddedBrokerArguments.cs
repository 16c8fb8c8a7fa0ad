using System.Globalization;

namespace Pipeline.AppHost.Topology;

/// <summary>
/// The command line of the embedded broker when the AppHost runs it instead of the Kafka container:
/// loopback, the fixed port the services are given, its log under <c>data/kafka</c>, and the
/// pipeline's topics created at start (so nothing has to wait for a topic-creation step).
/// </summary>
public static class EmbeddedBrokerArguments
{
    public static IReadOnlyList<string> For(PipelineSettings settings, string dataDirectory)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentException.ThrowIfNullOrWhiteSpace(dataDirectory);
        var arguments = new List<string>
        {
            "--port", PipelineSettings.EmbeddedBrokerPort.ToString(CultureInfo.InvariantCulture),
            "--data-dir", dataDirectory,
            "--partitions", settings.TopicPartitions.ToString(CultureInfo.InvariantCulture),
        };
        foreach (var topic in settings.Topics)
        {
            arguments.Add("--topic");
            arguments.Add(string.Create(CultureInfo.InvariantCulture, $"{topic.Name}:{topic.Partitions}"));
        }

        return arguments;
    }

    /// <summary>The bootstrap address the services get for the embedded broker.</summary>
    public static string BootstrapServers => string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{PipelineSettings.EmbeddedBrokerPort}");
}
