using System.Diagnostics;
using System.Text.RegularExpressions;
using Azure.Storage.Blobs;

using Pipeline.Tests.Kafka.Clients;

namespace Pipeline.Tests.Storage;

/// <summary>
/// A real Azurite blob service (npm <c>azurite</c> 3.37.0, installed by <c>npm ci</c> in Tests/Storage/node),
/// started once for the <see cref="AzuriteCollection"/> on a port the OS picks (<c>--blobPort 0</c>: Azurite prints
/// the port it bound), with a temporary <c>--location</c> removed afterwards.
/// </summary>
/// <remarks>
/// When Azurite is not installed, every blob test is skipped saying how to install it, as the third-party client
/// tests are, unless <see cref="ExternalClient.RequireVariable"/> is set (CI, which installs it): then they fail.
/// A failure to start an installed Azurite always fails.
/// </remarks>
public sealed partial class AzuriteFixture : IAsyncLifetime
{
    public const string AccountName = "devstoreaccount1";

    // Azurite's well-known development account key: public, documented by Microsoft for the emulator only.
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    private static readonly TimeSpan s_startTimeout = TimeSpan.FromSeconds(60);

    private Process? _process;
    private string? _location;
    private string? _unavailable;
    private bool _skippable;
    private readonly List<string> _output = [];

    /// <summary>The blob endpoint, <c>http://127.0.0.1:&lt;port&gt;/devstoreaccount1</c>.</summary>
    public Uri? BlobEndpoint { get; private set; }

    /// <summary>The dev account's connection string (do not log it).</summary>
    public string ConnectionString => ConnectionStringWithKey(AccountKey);

    /// <summary>The same endpoint and account with a wrong (but well-formed) key.</summary>
    public string WrongKeyConnectionString => ConnectionStringWithKey(Convert.ToBase64String(new byte[64]));

    public async ValueTask InitializeAsync()
    {
        string nodeFolder = Path.Combine(FindTestsDirectory(), "Storage", "node");
        string main = Path.Combine(nodeFolder, "node_modules", "azurite", "dist", "src", "blob", "main.js");
        string? node = FindOnPath("node");
        if (node is null || !File.Exists(main))
        {
            _unavailable = $"Azurite is not installed ({(node is null ? "no node on PATH" : "no " + main)}): install Node.js 20 or later, " +
                $"then run `npm ci` in {nodeFolder} (.ci/run does this).";
            _skippable = true;
            return;
        }

        _location = Directory.CreateTempSubdirectory("pipeline-azurite-").FullName;
        var start = new ProcessStartInfo(node)
        {
            ArgumentList =
            {
                main, "--blobHost", "127.0.0.1", "--blobPort", "0", "--location", _location,
                // The SDK (Azure.Storage.Blobs 12.30.1) speaks API version 2026-10-06, which Azurite 3.37.0
                // refuses with a 400 unless told to skip the check.
                "--silent", "--disableTelemetry", "--skipApiVersionCheck",
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = nodeFolder,
        };
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => OnLine(e.Data, listening);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data, null);
        process.Exited += (_, _) => listening.TrySetException(new InvalidOperationException("Azurite exited before it listened."));
        process.Start();
        _process = process;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        try
        {
            Uri service = await listening.Task.WaitAsync(s_startTimeout, TestContext.Current.CancellationToken);
            BlobEndpoint = new Uri(service, AccountName);
            await WaitUntilAnsweringAsync(TestContext.Current.CancellationToken);
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException or Azure.RequestFailedException)
        {
            _unavailable = $"Azurite did not start: {e.Message}\nIts output:\n{Output()}";
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { } process)
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            }

            process.Dispose();
        }

        if (_location is not null && Directory.Exists(_location))
        {
            Directory.Delete(_location, recursive: true);
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
    public async Task<BlobContainerClient> CreateContainerAsync(CancellationToken cancellationToken)
    {
        RequireRunning();
        var container = new BlobContainerClient(ConnectionString, "t" + Guid.NewGuid().ToString("N"));
        await container.CreateAsync(cancellationToken: cancellationToken);
        return container;
    }

    private string ConnectionStringWithKey(string key) =>
        $"DefaultEndpointsProtocol=http;AccountName={AccountName};AccountKey={key};BlobEndpoint={BlobEndpoint};";

    private async Task WaitUntilAnsweringAsync(CancellationToken cancellationToken)
    {
        var service = new BlobServiceClient(ConnectionString);
        var deadline = DateTime.UtcNow + s_startTimeout;
        while (true)
        {
            try
            {
                await service.GetPropertiesAsync(cancellationToken).WaitAsync(TimeSpan.FromSeconds(10), cancellationToken);
                return;
            }
            // Status 0: no HTTP answer yet. Any HTTP answer other than success is a real failure, reported at once.
            catch (Exception e) when ((e is TimeoutException || e is Azure.RequestFailedException { Status: 0 }) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100, cancellationToken);
            }
        }
    }

    private void OnLine(string? line, TaskCompletionSource<Uri>? listening)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.Add(line);
        }

        // "Azurite Blob service successfully listens on http://127.0.0.1:45559"
        if (listening is not null && ListensOn().Match(line) is { Success: true } match)
        {
            listening.TrySetResult(new Uri(match.Groups[1].Value.TrimEnd('/') + "/"));
        }
    }

    private string Output()
    {
        lock (_output)
        {
            return string.Join('\n', _output);
        }
    }

    [GeneratedRegex(@"listens on (https?://\S+)")]
    private static partial Regex ListensOn();

    private static string? FindOnPath(string executable) =>
        (System.Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, executable))
            .FirstOrDefault(File.Exists);

    private static string FindTestsDirectory()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "Tests", "Storage");
            if (Directory.Exists(candidate))
            {
                return Path.Combine(directory.FullName, "Tests");
            }
        }

        throw new DirectoryNotFoundException($"No Tests/Storage folder above {AppContext.BaseDirectory}.");
    }
}

/// <summary>The tests that share one Azurite.</summary>
[CollectionDefinition(Name)]
public sealed class AzuriteCollection : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "Azurite";
}
