using System.Diagnostics;
using System.Text.RegularExpressions;
using Azure.Storage.Blobs;

namespace Pipeline.Azurite;

/// <summary>
/// One real Azurite blob service (npm <c>azurite</c> 3.37.0, installed by <c>npm ci</c> in tools/azurite, the one the AppHost runs) on
/// loopback: started on a port the OS picks (<c>--blobPort 0</c>: Azurite prints the port it bound), or on a given
/// one to come back where it was after <see cref="StopAsync"/>, keeping its <c>--location</c> (the blobs survive).
/// Next to the npm package it runs, and linked into Tests and Benchmarks (their csproj files), so neither compiles
/// the other's files: free of xunit and of anything either project owns.
/// </summary>
public sealed partial class AzuriteServer : IAsyncDisposable
{
    public const string AccountName = "devstoreaccount1";

    // Azurite's well-known development account key: public, documented by Microsoft for the emulator only.
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    private static readonly TimeSpan s_startTimeout = TimeSpan.FromSeconds(60);

    private readonly string _node;
    private readonly string _main;
    private readonly List<string> _output = [];
    private Process? _process;

    private AzuriteServer(string node, string main, string location)
    {
        _node = node;
        _main = main;
        Location = location;
    }

    /// <summary>The running Azurite's process id, or null while it is stopped.</summary>
    public int? ProcessId => _process is { HasExited: false } process ? process.Id : null;

    /// <summary>The folder Azurite keeps its blobs in (removed by <see cref="DisposeAsync"/>).</summary>
    public string Location { get; }

    /// <summary>The blob endpoint, <c>http://127.0.0.1:&lt;port&gt;/devstoreaccount1</c>.</summary>
    public Uri BlobEndpoint { get; private set; } = null!;

    /// <summary>The dev account's connection string (do not log it).</summary>
    public string ConnectionString => ConnectionStringWithKey(AccountKey);

    /// <summary>The same endpoint and account with a wrong (but well-formed) key.</summary>
    public string WrongKeyConnectionString => ConnectionStringWithKey(Convert.ToBase64String(new byte[64]));

    /// <summary>Why Azurite cannot run here (not installed), or null when it can.</summary>
    public static string? Unavailable(out string node, out string main)
    {
        string nodeFolder = NodeFolder();
        main = Path.Combine(nodeFolder, "node_modules", "azurite", "dist", "src", "blob", "main.js");
        node = FindOnPath("node") ?? "";
        return node.Length == 0 || !File.Exists(main)
            ? $"Azurite is not installed ({(node.Length == 0 ? "no node on PATH" : "no " + main)}): install Node.js 20 or later, " +
              $"then run `npm ci` in {nodeFolder} (.ci/run does this)."
            : null;
    }

    /// <summary>Starts Azurite on a free port with a new temporary location.</summary>
    public static async Task<AzuriteServer> StartAsync(CancellationToken cancellationToken)
    {
        if (Unavailable(out string node, out string main) is { } why)
        {
            throw new InvalidOperationException(why);
        }

        var server = new AzuriteServer(node, main, Directory.CreateTempSubdirectory("pipeline-azurite-").FullName);
        try
        {
            await server.StartProcessAsync(port: 0, cancellationToken);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Stops Azurite; its blobs stay in <see cref="Location"/>. With <paramref name="graceful"/> it gets SIGTERM and
    /// saves its metadata first: Azurite keeps that in memory and flushes it now and then, so a SIGKILL loses
    /// acknowledged writes, which a real storage account never does.
    /// </summary>
    public async Task StopAsync(bool graceful = false)
    {
        if (_process is { } process)
        {
            if (graceful && !process.HasExited)
            {
                using var term = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
                await term!.WaitForExitAsync();
                await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            }

            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            }

            process.Dispose();
            _process = null;
        }
    }

    /// <summary>Starts Azurite again on the port and location it had.</summary>
    public Task RestartAsync(CancellationToken cancellationToken) => StartProcessAsync(BlobEndpoint.Port, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        if (Directory.Exists(Location))
        {
            Directory.Delete(Location, recursive: true);
        }
    }

    /// <summary>A new, empty container.</summary>
    public async Task<BlobContainerClient> CreateContainerAsync(CancellationToken cancellationToken)
    {
        var container = new BlobContainerClient(ConnectionString, "t" + Guid.NewGuid().ToString("N"));
        await container.CreateAsync(cancellationToken: cancellationToken);
        return container;
    }

    public string Output()
    {
        lock (_output)
        {
            return string.Join('\n', _output);
        }
    }

    private async Task StartProcessAsync(int port, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(_node)
        {
            ArgumentList =
            {
                _main, "--blobHost", "127.0.0.1", "--blobPort", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--location", Location,
                // The SDK (Azure.Storage.Blobs 12.30.1) speaks API version 2026-10-06, which Azurite 3.37.0
                // refuses with a 400 unless told to skip the check.
                "--silent", "--disableTelemetry", "--skipApiVersionCheck",
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = NodeFolder(),
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
            Uri service = await listening.Task.WaitAsync(s_startTimeout, cancellationToken);
            BlobEndpoint = new Uri(service, AccountName);
            await WaitUntilAnsweringAsync(cancellationToken);
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException or Azure.RequestFailedException)
        {
            throw new InvalidOperationException($"Azurite did not start: {e.Message}\nIts output:\n{Output()}", e);
        }
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

    [GeneratedRegex(@"listens on (https?://\S+)")]
    private static partial Regex ListensOn();

    private static string? FindOnPath(string executable) =>
        (System.Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, executable))
            .FirstOrDefault(File.Exists);

    private static string NodeFolder()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "tools", "azurite");
            if (File.Exists(Path.Combine(candidate, "package.json")))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException($"No tools/azurite/package.json above {AppContext.BaseDirectory}.");
    }
}
