using Microsoft.AspNetCore.Builder;
using Pipeline.ServiceDefaults.Configuration;

namespace Microsoft.Extensions.Hosting;

/// <summary>How every Pipeline service starts its host.</summary>
public static class ServiceHostBuilder
{
    /// <summary>
    /// A web host whose content root is the service's own folder, so its <c>appsettings.json</c> is
    /// read wherever it is started from (<c>dotnet run</c> from the repository root, Aspire, a built
    /// folder), whose empty environment and command-line values count as not set (as compose passes an unset
    /// variable), and whose health endpoints listen on loopback unless told where.
    /// </summary>
    public static WebApplicationBuilder Create(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory,
        });
        EmptyValuesAreUnset.Apply(builder.Configuration);
        return builder.ListenOnLoopbackUnlessConfigured();
    }
}
