using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Pipeline.ServiceDefaults.Kafka;

/// <summary>
/// The seed stack's flat environment variables (<c>KAFKA_TOPIC</c>, <c>MSGS_PER_SEC</c>,
/// <c>OUTPUT_PATH</c>, <c>RUN_ID</c>…) work as aliases of the structured settings; the structured
/// key wins when both are set.
/// </summary>
public static class ConfigurationAliases
{
    /// <summary>The alias's value when <paramref name="key"/> itself is not configured.</summary>
    public static string? Get(IConfiguration configuration, string key, string alias)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return configuration[key] is null ? configuration[alias] : null;
    }

    /// <summary>Parses an alias, failing at start with a message that names the variable.</summary>
    public static T? Parse<T>(IConfiguration configuration, string key, string alias)
        where T : struct, IParsable<T>
    {
        var raw = Get(configuration, key, alias);
        if (raw is null)
        {
            return null;
        }

        return T.TryParse(raw, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new OptionsValidationException(alias, typeof(T),
                [$"{alias} must be a {typeof(T).Name} (was '{raw}')."]);
    }
}
