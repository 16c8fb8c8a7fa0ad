using System.Globalization;

namespace Pipeline.AppHost.Topology;

/// <summary>
/// The one-shot compose service that creates the topics: <c>aspire publish</c> never runs the
/// AppHost's ready-event code, so in compose the workers wait for this container to complete.
/// It runs Kafka's own <c>kafka-topics</c> tool from the broker's own image (the AppHost passes it in).
/// </summary>
public static class TopicInitCommands
{
    public const string Entrypoint = "/bin/sh";

    /// <summary>
    /// How long the script waits for Kafka to answer: compose starts it once the broker's container has started,
    /// which is seconds before the broker accepts connections.
    /// </summary>
    public static readonly TimeSpan KafkaWait = TimeSpan.FromSeconds(120);

    /// <summary>Where the bootstrap address goes in <see cref="Template"/>.</summary>
    private const string Bootstrap = "{bootstrap}";

    /// <summary>
    /// The shell script with <see cref="Bootstrap"/> where the broker's address goes: wait (up to <see cref="KafkaWait"/>)
    /// until <c>kafka-topics --list</c> answers, then one <c>kafka-topics --create --if-not-exists</c> per topic joined
    /// with <c>&amp;&amp;</c>, with the cluster's default replication factor. No <c>$</c> (compose would interpolate it) and no braces
    /// (an Aspire reference expression's format would read them).
    /// </summary>
    private static string Template(PipelineSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var seconds = ((int)KafkaWait.TotalSeconds).ToString(CultureInfo.InvariantCulture);
        var wait = $"if ! timeout {seconds} sh -c 'until kafka-topics --bootstrap-server {Bootstrap} --list >/dev/null 2>&1; "
            + $"do echo Waiting for Kafka at {Bootstrap}; sleep 2; done'; "
            + $"then echo 'Kafka at {Bootstrap} did not answer within {seconds} s'; exit 1; fi";
        var creates = settings.Topics.Select(topic => string.Create(CultureInfo.InvariantCulture,
            $"kafka-topics --bootstrap-server {Bootstrap} --create --if-not-exists --topic {topic.Name} --partitions {topic.Partitions}"));
        return wait + "; " + string.Join(" && ", creates);
    }

    /// <summary>
    /// The script's text around the bootstrap address: the AppHost puts the broker's internal address between
    /// consecutive pieces (a reference the compose publisher resolves to <c>kafka:9093</c>).
    /// </summary>
    public static IReadOnlyList<string> Pieces(PipelineSettings settings) => Template(settings).Split(Bootstrap);

    /// <summary>The whole script for a given address (what the container runs; used by tests and docs).</summary>
    public static string Script(PipelineSettings settings, string bootstrapServers) =>
        Template(settings).Replace(Bootstrap, bootstrapServers, StringComparison.Ordinal);
}
