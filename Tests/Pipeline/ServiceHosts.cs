using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Pipeline.Producer.Extensions;
using Pipeline.StreamProcessor.Extensions;

namespace Pipeline.Tests.Pipeline;

/// <summary>
/// Builds the real Producer and StreamProcessor hosts in process, exactly as their Program.cs does,
/// with settings given as configuration (what environment variables would supply).
/// </summary>
internal static class ServiceHosts
{
    public static WebApplication BuildProducer(string contentRoot, IDictionary<string, string?> settings, Action<IServiceCollection>? configure = null) =>
        Build(contentRoot, settings, builder => builder.AddEventProducer(), configure);

    public static WebApplication BuildStreamProcessor(string contentRoot, IDictionary<string, string?> settings, Action<IServiceCollection>? configure = null) =>
        Build(contentRoot, settings, builder => builder.AddStreamProcessor(), configure);

    private static WebApplication Build(
        string contentRoot,
        IDictionary<string, string?> settings,
        Action<IHostApplicationBuilder> addService,
        Action<IServiceCollection>? configure)
    {
        // An empty content root: no appsettings.json of either service leaks into the other.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            ContentRootPath = contentRoot,
            EnvironmentName = Environments.Development,
        });
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
}
