using Azure.Storage.Blobs;
using Pipeline.Azurite;
using Pipeline.Tests.KafkaBroker.Clients;

namespace Pipeline.Tests.TestKit;

/// <summary>
/// The <see cref="AzuriteServer"/> the <see cref="AzuriteCollection"/> shares. When Azurite is not installed, every
/// blob test is skipped saying how to install it, as the third-party client tests are, unless
/// <see cref="ExternalClient.RequireVariable"/> is set (CI, which installs it): then they fail. A failure to start
/// an installed Azurite always fails.
/// </summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    private AzuriteServer? _server;
    private string? _unavailable;
    private bool _skippable;

    public AzuriteServer Server
    {
        get
        {
            RequireRunning();
            return _server!;
        }
    }

    /// <summary>The blob endpoint, <c>http://127.0.0.1:&lt;port&gt;/devstoreaccount1</c>.</summary>
    public Uri? BlobEndpoint => _server?.BlobEndpoint;

    /// <summary>The dev account's connection string (do not log it).</summary>
    public string ConnectionString => Server.ConnectionString;

    /// <summary>The same endpoint and account with a wrong (but well-formed) key.</summary>
    public string WrongKeyConnectionString => Server.WrongKeyConnectionString;

    public async ValueTask InitializeAsync()
    {
        _unavailable = AzuriteServer.Unavailable(out _, out _);
        if (_unavailable is not null)
        {
            _skippable = true;
            return;
        }

        try
        {
            _server = await AzuriteServer.StartAsync(TestContext.Current.CancellationToken);
        }
        catch (InvalidOperationException e)
        {
            _unavailable = e.Message;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    /// <summary>Fails (or skips, see the remarks) the calling test when Azurite is not running.</summary>
    public void RequireRunning()
    {
        if (_unavailable is null)
        {
            return;
        }

        if (_skippable && System.Environment.GetEnvironmentVariable(ExternalClient.RequireVariable) != "1")
        {
            Assert.Skip(_unavailable);
        }

        Assert.Fail(_skippable ? _unavailable + $" {ExternalClient.RequireVariable}=1 demands it." : _unavailable);
    }

    /// <summary>A new, empty container for one test.</summary>
    public Task<BlobContainerClient> CreateContainerAsync(CancellationToken cancellationToken) => Server.CreateContainerAsync(cancellationToken);
}

/// <summary>The tests that share one Azurite.</summary>
[CollectionDefinition(Name)]
public sealed class AzuriteCollection : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "Azurite";
}
