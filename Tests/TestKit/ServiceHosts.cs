using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.EnvironmentVariables;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Pipeline.Producer.Extensions;
using Pipeline.StreamProcessor.Extensions;

namespace Pipeline.Tests.TestKit;

/// <summary>
/// Builds the real Producer and StreamProcessor hosts in process, exactly as their Program.cs does,
/// with settings given as configuration (what environment variables would supply).
/// </summary>
internal static class ServiceHosts
{
    /// <param name="contentRoot">Where <c>appsettings.json</c> is looked for: an empty folder keeps either service's out.</param>
    /// <param name="settings">Added last, above every other source (what the tests control).</param>
    /// <param name="configure">Replaces services after the service registered its own (fakes, exporters).</param>
    /// <param name="args">The command line, read by the host's own command-line provider.</param>
    /// <param name="environment">
    /// Variables as the process environment would supply them (<c>Section__Key</c> or flat names), placed where
    /// the host reads the environment: above <c>appsettings.json</c>, below the command line. The test process's
    /// own environment is shared by every test running alongside, so it is not changed.
    /// </param>
    public static WebApplication BuildProducer(
        string contentRoot,
        IDictionary<string, string?> settings,
        Action<IServiceCollection>? configure = null,
        string[]? args = null,
        IDictionary<string, string?>? environment = null) =>
        Build(contentRoot, settings, builder => builder.AddEventProducer(), configure, args, environment);

    /// <inheritdoc cref="BuildProducer"/>
    public static WebApplication BuildStreamProcessor(
        string contentRoot,
        IDictionary<string, string?> settings,
        Action<IServiceCollection>? configure = null,
        string[]? args = null,
        IDictionary<string, string?>? environment = null) =>
        Build(contentRoot, settings, builder => builder.AddStreamProcessor(), configure, args, environment).MapProgressEndpoint();

    private static WebApplication Build(
        string contentRoot,
        IDictionary<string, string?> settings,
        Action<IHostApplicationBuilder> addService,
        Action<IServiceCollection>? configure,
        string[]? args,
        IDictionary<string, string?>? environment)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ContentRootPath = contentRoot,
            EnvironmentName = Environments.Development,
        });
        if (environment is not null)
        {
            AddAsEnvironment(builder.Configuration, environment);
        }

        builder.Configuration.AddInMemoryCollection(settings);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.AddServiceDefaults();
        addService(builder);
        configure?.Invoke(builder.Services);
        var app = builder.Build();
        app.MapDefaultEndpoints();
        return app;
    }

    /// <summary>Inserts the variables right after the host's unprefixed environment-variables source, as that source would read them.</summary>
    private static void AddAsEnvironment(ConfigurationManager configuration, IDictionary<string, string?> environment)
    {
        var sources = configuration.Sources;
        var position = sources.Select((source, index) => (source, index))
            .Last(s => s.source is EnvironmentVariablesConfigurationSource { Prefix: null or "" }).index;
        var variables = environment.ToDictionary(
            v => v.Key.Replace("__", ConfigurationPath.KeyDelimiter, StringComparison.Ordinal), v => v.Value, StringComparer.OrdinalIgnoreCase);
        sources.Insert(position + 1, new Microsoft.Extensions.Configuration.Memory.MemoryConfigurationSource { InitialData = variables });
    }
}
