using System.Diagnostics;

namespace Pipeline.Tests.KafkaBroker.Clients;

/// <summary>
/// A third-party Kafka client (kcat, kafka-python, kafkajs) run as a process against the embedded broker.
/// A client that is not installed skips its test, unless <c>PIPELINE_REQUIRE_CLIENTS=1</c> (set by CI, which
/// installs them all): then it fails, so a broken installation can never pass as green.
/// </summary>
internal static class ExternalClient
{
    public const string RequireVariable = "PIPELINE_REQUIRE_CLIENTS";

    /// <summary>The repository's <c>Tests/Clients</c> folder (scripts and the npm project).</summary>
    public static string ClientsDirectory { get; } = FindClientsDirectory();

    /// <summary>The full path of an executable, or skips (fails under CI) when it is missing.</summary>
    public static string Require(string executable, string installHint, Func<string, bool>? isUsable = null)
    {
        var path = FindOnPath(executable);
        if (path is not null && (isUsable?.Invoke(path) ?? true))
        {
            return path;
        }

        var message = $"{executable} is not usable on this machine ({installHint}).";
        if (System.Environment.GetEnvironmentVariable(RequireVariable) == "1")
        {
            Assert.Fail(message + $" {RequireVariable}=1 demands every client.");
        }

        Assert.Skip(message);
        return "";
    }

    /// <summary>Runs a client to completion; fails the test on a timeout, returns exit code and output.</summary>
    public static async Task<ClientRun> RunAsync(
        string fileName, IEnumerable<string> arguments, string? standardInput = null, string? workingDirectory = null, TimeSpan? timeout = null)
    {
        var start = new ProcessStartInfo(fileName, arguments)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? ClientsDirectory,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {fileName}.");
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        if (standardInput is not null)
        {
            await process.StandardInput.WriteAsync(standardInput);
        }

        process.StandardInput.Close();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(timeout ?? TimeSpan.FromSeconds(90));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{Path.GetFileName(fileName)} {string.Join(' ', start.ArgumentList)} did not finish in time. " +
                $"Stderr:\n{await stderr}");
        }

        return new ClientRun(process.ExitCode, await stdout, await stderr);
    }

    private static string? FindOnPath(string executable)
    {
        if (Path.IsPathRooted(executable))
        {
            return File.Exists(executable) ? executable : null;
        }

        var directories = (System.Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        return directories.Select(d => Path.Combine(d, executable)).FirstOrDefault(File.Exists);
    }

    private static string FindClientsDirectory()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "Tests", "Clients");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException($"No Tests/Clients folder above {AppContext.BaseDirectory}.");
    }
}

/// <summary>How a client process ended.</summary>
internal sealed record ClientRun(int ExitCode, string Output, string Error)
{
    public void AssertSucceeded(string client) =>
        Assert.True(ExitCode == 0, $"{client} exited {ExitCode}.\nStdout:\n{Output}\nStderr:\n{Error}");

    public string[] Lines => Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
