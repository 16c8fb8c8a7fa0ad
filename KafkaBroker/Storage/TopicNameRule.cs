using System.Globalization;

namespace Pipeline.KafkaBroker.Storage;

/// <summary>
/// Kafka's topic-name rule as the broker enforces it: 1-<see cref="MaxLength"/> characters of <c>[a-zA-Z0-9._-]</c>,
/// and not <c>.</c> or <c>..</c>.
/// </summary>
/// <remarks>
/// The broker's own copy of the rule the services check with <c>Pipeline.ServiceDefaults.Kafka.KafkaTopicName</c>,
/// rather than a reference to ServiceDefaults: the broker is a self-contained Kafka-protocol library, and that
/// reference brought it the service defaults' Kafka client (Confluent.Kafka and its native library), HTTP resilience
/// and service discovery for one function. A single source file linked into both would compile the same public type
/// into two assemblies that Tests and Standalone reference together (an ambiguous type). The rule is Kafka's, not
/// ours, so it does not drift on its own; <c>TopicNameRuleTests</c> pins both copies to the same answer over many names.
/// </remarks>
internal static class TopicNameRule
{
    /// <summary>The longest topic name Kafka accepts.</summary>
    public const int MaxLength = 249;

    /// <summary>Null when <paramref name="name"/> is a valid topic name; otherwise what is wrong, as "must be …" for a message.</summary>
    public static string? Validate(string? name)
    {
        var valid = !string.IsNullOrEmpty(name) && name.Length <= MaxLength && name is not ("." or "..")
            && name.All(static c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');
        return valid
            ? null
            : string.Create(CultureInfo.InvariantCulture,
                $"must be 1-{MaxLength} characters of [a-zA-Z0-9._-], not '.' or '..' (was '{name}', {name?.Length ?? 0} characters)");
    }
}
