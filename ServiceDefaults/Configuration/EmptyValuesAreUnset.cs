using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.CommandLine;
using Microsoft.Extensions.Configuration.EnvironmentVariables;

namespace Pipeline.ServiceDefaults.Configuration;

/// <summary>
/// An empty environment variable or command-line value counts as not set, so the providers below it
/// (<c>appsettings.json</c>, then the option's default) decide. Compose passes an unset <c>${VAR}</c> as an empty
/// value, and the configuration binder would otherwise fail on it at start (<c>Failed to convert configuration value ''
/// … to type 'System.Double'</c>) for any number, duration or flag. The seed aliases follow the same rule
/// (<see cref="ConfigurationAliases"/>).
/// </summary>
public static class EmptyValuesAreUnset
{
    /// <summary>Replaces the environment-variable and command-line sources of <paramref name="configuration"/> with ones that drop empty values.</summary>
    public static void Apply(IConfigurationBuilder configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var sources = configuration.Sources;
        for (var i = 0; i < sources.Count; i++)
        {
            sources[i] = sources[i] switch
            {
                EnvironmentVariablesConfigurationSource environment => new NonEmptyEnvironmentVariables(environment.Prefix),
                CommandLineConfigurationSource commandLine => new NonEmptyCommandLine(commandLine.Args, commandLine.SwitchMappings),
                var other => other,
            };
        }
    }

    private static void RemoveEmpty(IDictionary<string, string?> data)
    {
        foreach (var key in data.Where(static pair => string.IsNullOrWhiteSpace(pair.Value)).Select(static pair => pair.Key).ToList())
        {
            data.Remove(key);
        }
    }

    private sealed class NonEmptyEnvironmentVariables(string? prefix) : IConfigurationSource
    {
        public IConfigurationProvider Build(IConfigurationBuilder builder) => new Provider(prefix);

        private sealed class Provider(string? prefix) : EnvironmentVariablesConfigurationProvider(prefix)
        {
            public override void Load()
            {
                base.Load();
                RemoveEmpty(Data);
            }
        }
    }

    private sealed class NonEmptyCommandLine(IEnumerable<string> args, IDictionary<string, string>? switchMappings) : IConfigurationSource
    {
        public IConfigurationProvider Build(IConfigurationBuilder builder) => new Provider(args, switchMappings);

        private sealed class Provider(IEnumerable<string> args, IDictionary<string, string>? switchMappings)
            : CommandLineConfigurationProvider(args, switchMappings)
        {
            public override void Load()
            {
                base.Load();
                RemoveEmpty(Data);
            }
        }
    }
}
