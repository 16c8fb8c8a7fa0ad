using System.Globalization;

namespace Pipeline.AppHost.Topology;

/// <summary>
/// The one-shot compose service that creates the topics: <c>aspire publish</c> never runs the
/// AppHost's ready-event code, so in compose the workers wait for this container to complete.
/// It runs Kafka's own <c>kafka-topics</c> tool from the same image as the broker.
/// </summary>
public static class TopicInitCommands
{
    /// <summary>Aspire.Hosting.Kafka 13.5.2's image (KafkaContainerImageTags): the tool matches the broker.</summary>
    public const string Image = "confluentinc/confluent-local";

    public const string Tag = "8.2.0";

    public const string Entrypoint = "/bin/sh";

    /// <summary>
    /// Shell text around the bootstrap address, one <c>kafka-topics --create --if-not-exists</c> per
    /// topic joined with <c>&amp;&amp;</c>: the AppHost puts the broker's internal address between the
    /// pieces (a reference the compose publisher resolves to <c>kafka:9093</c>).
    /// </summary>
    public static IReadOnlyList<(string BeforeAddress, string AfterAddress)> Pieces(PipelineSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return settings.Topics
            .Select((topic, index) => (
                (index == 0 ? string.Empty : " && ") + "kafka-topics --bootstrap-server ",
                string.Create(CultureInfo.InvariantCulture,
                    $" --create --if-not-exists --topic {topic.Name} --partitions {topic.Partitions} --replication-factor 1")))
            .ToList();
    }

    /// <summary>The whole script for a given address (what the container runs; used by tests and docs).</summary>
    public static string Script(PipelineSettings settings, string bootstrapServers) =>
        string.Concat(Pieces(settings).Select(piece => piece.BeforeAddress + bootstrapServers + piece.AfterAddress));
}
