namespace Microsoft.Extensions.Hosting;

/// <summary>Service defaults shared by every Pipeline service (telemetry, health checks, resilience).</summary>
public static class Extensions
{
    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder;
    }
}
