using System.Diagnostics;

namespace Pipeline.Tests.AppHost;

/// <summary>
/// A stand-in <c>kafka-topics</c> on the PATH of a real <c>/bin/sh</c>, for running the compose init scripts here:
/// it records its arguments, and fails its first <c>--list</c> calls as a broker that does not listen yet.
/// </summary>
internal sealed class FakeKafkaTopics : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("pipeline-fake-kafka-topics-").FullName;

    public FakeKafkaTopics(int failedListCalls)
    {
        var tool = Path.Combine(_folder, "kafka-topics");
        File.WriteAllText(tool, $$"""
            #!/bin/sh
            echo "$*" >> "{{CallsFile}}"
            case "$*" in
              *--list*)
                count=$(grep -c -- --list "{{CallsFile}}")
                [ "$count" -gt {{failedListCalls}} ] || exit 1 ;;
            esac
            exit 0
            """.ReplaceLineEndings("\n"));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(tool, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    private string CallsFile => Path.Combine(_folder, "calls.txt");

    /// <summary>The argument lines of every call so far, in order.</summary>
    public IReadOnlyList<string> Calls => File.Exists(CallsFile) ? File.ReadAllLines(CallsFile) : [];

    /// <summary>Runs <paramref name="script"/> as the container would (<c>/bin/sh -c</c>), with the fake first on PATH.</summary>
    public async Task<(int ExitCode, string Output)> RunAsync(string script, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("/bin/sh") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script);
        start.Environment["PATH"] = _folder + ":" + Environment.GetEnvironmentVariable("PATH");
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        return (process.ExitCode, await output + await error);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
