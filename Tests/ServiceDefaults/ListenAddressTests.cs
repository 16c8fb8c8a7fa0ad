using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Pipeline.Tests.ServiceDefaults;

/// <summary>The services' health endpoints: loopback unless the host (Aspire, compose) says where.</summary>
public sealed class ListenAddressTests
{
    [Fact]
    public async Task NothingConfigured_ListensOnLoopbackOnAFreePort()
    {
        // Act
        var address = await StartAndGetAddressAsync(urls: null);

        // Assert
        Assert.Equal("127.0.0.1", address.Host);
        Assert.NotEqual(0, address.Port);
    }

    [Fact]
    public async Task UrlsConfigured_AsAspireDoes_AreHonoured()
    {
        // Act
        var address = await StartAndGetAddressAsync(urls: "http://127.0.0.2:0");

        // Assert
        Assert.Equal("127.0.0.2", address.Host);
    }

    private static async Task<Uri> StartAndGetAddressAsync(string? urls)
    {
        var root = Directory.CreateTempSubdirectory("pipeline-listen-").FullName;
        try
        {
            var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = root });
            builder.Configuration["urls"] = urls;
            builder.ListenOnLoopbackUnlessConfigured();
            await using var app = builder.Build();
            await app.StartAsync(TestContext.Current.CancellationToken);
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
            await app.StopAsync(TestContext.Current.CancellationToken);
            return new Uri(address);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
