using Microsoft.Extensions.Options;
using Pipeline.ServiceDefaults.Configuration;

namespace Pipeline.StreamProcessor.Sinks;

/// <summary>
/// How <see cref="SinkOptions"/> is read, in one place for the service and for its <c>inspect</c>/<c>export</c> verbs:
/// section <see cref="SinkOptions.SectionName"/>, <see cref="SinkOptions.OutputConnectionSetting"/>, and the seed's aliases <see cref="SinkOptions.OutputPathAlias"/>
/// and <see cref="SinkOptions.RunIdAlias"/>, with the precedence of <see cref="ConfigurationAliases"/>.
/// </summary>
internal static class SinkOptionsBinding
{
    /// <summary>
    /// Binds <see cref="SinkOptions"/> from the container's <see cref="IConfiguration"/>, without any validation:
    /// the service adds <see cref="SinkOptionsValidator"/>, which creates the output folder to test-write it, and a
    /// reader of the output must not write.
    /// </summary>
    public static OptionsBuilder<SinkOptions> AddSinkOptions(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        return services.AddOptions<SinkOptions>()
            .BindConfiguration(SinkOptions.SectionName)
            .BindAlias<SinkOptions, string>(
                ConfigurationPath.Combine(SinkOptions.SectionName, nameof(SinkOptions.OutputPath)), SinkOptions.OutputPathAlias,
                (options, path) => options.OutputPath = path)
            .BindAlias<SinkOptions, string>(
                ConfigurationPath.Combine(SinkOptions.SectionName, nameof(SinkOptions.RunId)), SinkOptions.RunIdAlias,
                (options, runId) => options.RunId = runId)
            .Configure<IConfiguration>((options, configuration) =>
                options.OutputConnectionString = configuration.GetConnectionString(SinkOptions.OutputConnectionName) is { Length: > 0 } value ? value : null);
    }
}
