using Aspire.Hosting.Docker;
using Aspire.Hosting.Docker.Resources;

namespace Pipeline.AppHost.Compose;

/// <summary>
/// Aspire 13.6's publish step writes <c>.env</c> with its keys only (<c>EVENTS_PER_SECOND=</c>, <c>PRODUCER_IMAGE=</c>,
/// <c>PRODUCER_PORT=</c>); the values come from <c>aspire deploy</c>'s prepare step, which needs Docker. Compose passes
/// such an empty value as it is, so <c>expose: [""]</c> is rejected and an image named "" cannot be pulled. Each
/// reference to a variable with a default (a parameter's default, Aspire's own image name and port) is written as
/// <c>${NAME:-default}</c>, which compose uses when the variable is unset or empty: the file runs as published, and a
/// value in <c>.env</c> (the user's, or the prepare step's) still wins.
/// </summary>
internal static class ComposeVariableDefaults
{
    public static void Apply(ComposeFile composeFile, IDictionary<string, CapturedEnvironmentVariable> variables)
    {
        var defaults = variables.Values
            .Select(static variable => (variable.Name, Default: variable.DefaultValue ?? ParameterDefault(variable.Source)))
            .Where(static variable => !string.IsNullOrEmpty(variable.Default))
            .ToDictionary(static variable => "${" + variable.Name + "}", static variable => "${" + variable.Name + ":-" + variable.Default + "}", StringComparer.Ordinal);

        foreach (var service in composeFile.Services.Values)
        {
            service.Image = WithDefaults(service.Image);
            foreach (var key in service.Environment.Keys.ToList())
            {
                service.Environment[key] = WithDefaults(service.Environment[key])!;
            }

            Rewrite(service.Expose);
            Rewrite(service.Ports);
            Rewrite(service.Command);
        }

        void Rewrite(List<string> values)
        {
            for (var i = 0; i < values.Count; i++)
            {
                values[i] = WithDefaults(values[i])!;
            }
        }

        string? WithDefaults(string? value) =>
            value is null || !value.Contains("${", StringComparison.Ordinal)
                ? value
                : defaults.Aggregate(value, static (text, pair) => text.Replace(pair.Key, pair.Value, StringComparison.Ordinal));
    }

    /// <summary>A parameter's default, unless it is a secret (whose value never goes into a file).</summary>
    private static string? ParameterDefault(object? source) =>
        source is ParameterResource { Secret: false, Default: { } parameterDefault } ? parameterDefault.GetDefaultValue() : null;
}
