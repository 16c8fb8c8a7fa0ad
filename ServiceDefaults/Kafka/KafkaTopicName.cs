using System.Globalization;

namespace Pipeline.ServiceDefaults.Kafka;

/// <summary>
/// Kafka's topic-name rule, stated once for the pipeline: 1-<see cref="MaxLength"/> characters of
/// <c>[a-zA-Z0-9._-]</c>, and not <c>.</c> or <c>..</c>. Every topic a service uses must follow it, a name it
/// derives from another included (the StreamProcessor's <c>&lt;topic&gt;.windows</c> and <c>&lt;topic&gt;.dlq</c>):
/// check the derived name, so the base topic is limited by its longest suffix.
/// </summary>
public static class KafkaTopicName
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

    public static bool IsValid(string? name) => Validate(name) is null;
}
