using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Pipeline.ServiceDefaults.Configuration;

/// <summary>
/// The seed stack's flat variables (<c>KAFKA_TOPIC</c>, <c>MSGS_PER_SEC</c>, <c>OUTPUT_PATH</c>, <c>RUN_ID</c>,
/// <c>KAFKA_BOOTSTRAP_SERVERS</c>) as aliases of structured keys, each declared next to the option it feeds.
/// </summary>
/// <remarks>
/// Of a key and its alias, the one supplied by the later configuration provider wins, and the key wins when one
/// provider supplies both. With the host's providers (appsettings.json, environment variables, command line)
/// that gives, highest first: command line, <c>Section__Key</c> variable, the alias, appsettings.json, the code
/// default. An empty value counts as not set, as an unset <c>${VAR}</c> in compose arrives empty.
/// </remarks>
public static class ConfigurationAliases
{
    /// <summary>The value that wins between <paramref name="key"/> and <paramref name="alias"/>; null when neither is set.</summary>
    public static string? GetValue(IConfiguration configuration, string key, string alias)
    {
        var (keyRank, keyValue, aliasRank, aliasValue) = Rank(configuration, key, alias);
        return aliasRank > keyRank ? aliasValue : keyValue;
    }

    /// <summary>
    /// Applies <paramref name="alias"/> to options bound from <paramref name="key"/> when the alias outranks the key.
    /// A value that does not parse fails at start naming the alias, e.g. <c>MSGS_PER_SEC must be a Double (was 'fast').</c>
    /// </summary>
    public static OptionsBuilder<TOptions> BindAlias<TOptions, TValue>(
        this OptionsBuilder<TOptions> builder, string key, string alias, Action<TOptions, TValue> apply)
        where TOptions : class
        where TValue : IParsable<TValue>
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentException.ThrowIfNullOrEmpty(alias);
        ArgumentNullException.ThrowIfNull(apply);
        return builder.Configure<IConfiguration>((options, configuration) =>
        {
            var (keyRank, _, aliasRank, raw) = Rank(configuration, key, alias);
            if (aliasRank <= keyRank)
            {
                return;
            }

            apply(options, TValue.TryParse(raw, CultureInfo.InvariantCulture, out var value)
                ? value
                : throw new OptionsValidationException(alias, typeof(TOptions),
                    [$"{alias} must be a {typeof(TValue).Name} (was '{raw}')."]));
        });
    }

    /// <summary>Which provider (by position, -1 for none) last supplies each of the two names, and its value.</summary>
    private static (int KeyRank, string? KeyValue, int AliasRank, string? AliasValue) Rank(IConfiguration configuration, string key, string alias)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (configuration is not IConfigurationRoot root)
        {
            // A section or a wrapper has no providers to rank: the key wins whenever it is set.
            var keyValue = NullIfEmpty(configuration[key]);
            var aliasValue = NullIfEmpty(configuration[alias]);
            return (keyValue is null ? -1 : 1, keyValue, aliasValue is null ? -1 : 0, aliasValue);
        }

        (int Rank, string? Value) keyFound = (-1, null), aliasFound = (-1, null);
        var position = 0;
        foreach (var provider in root.Providers)
        {
            if (provider.TryGet(key, out var value) && !string.IsNullOrWhiteSpace(value))
            {
                keyFound = (position, value);
            }

            if (provider.TryGet(alias, out value) && !string.IsNullOrWhiteSpace(value))
            {
                aliasFound = (position, value);
            }

            position++;
        }

        return (keyFound.Rank, keyFound.Value, aliasFound.Rank, aliasFound.Value);
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
