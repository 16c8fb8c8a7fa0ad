using System.Diagnostics;

namespace Pipeline.Tests.AppHost;

/// <summary>
/// Stand-in executables first on the PATH of a real <c>/bin/sh</c>, for running the compose init scripts here: each
/// records its arguments, one line per call (<see cref="Calls"/>), then runs its own body.
/// </summary>
internal sealed class StandInTools : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("pipeline-stand-in-tools-").FullName;

    /// <summary>Adds <paramref name="name"/>, which records its arguments and then runs <paramref name="body"/> (shell).</summary>
    public void Add(string name, string body = "exit 0")
    {
        var tool = Path.Combine(_folder, name);
        File.WriteAllText(tool, $"#!/bin/sh\necho \"$*\" >> \"{CallsFile(name)}\"\n{body}\n".ReplaceLineEndings("\n"));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(tool, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    /// <summary>A <c>kafka-topics</c> that fails its first <paramref name="failedListCalls"/> <c>--list</c> calls, as a broker that does not listen yet.</summary>
    public void AddKafkaTopics(int failedListCalls) => Add("kafka-topics", $$"""
        case "$*" in
          *--list*)
            count=$(grep -c -- --list "{{CallsFile("kafka-topics")}}")
            [ "$count" -gt {{failedListCalls}} ] || exit 1 ;;
        esac
        exit 0
        """);

    /// <summary>The argument lines of every call of <paramref name="name"/> so far, in order.</summary>
    public IReadOnlyList<string> Calls(string name) => File.Exists(CallsFile(name)) ? File.ReadAllLines(CallsFile(name)) : [];

    /// <summary>Runs <paramref name="script"/> as a container's entrypoint would (<c>/bin/sh -c</c>), with the stand-ins first on PATH.</summary>
    public Task<(int ExitCode, string Output)> RunAsync(string script)
    {
        var start = new ProcessStartInfo("/bin/sh") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script);
        start.Environment["PATH"] = _folder + ":" + Environment.GetEnvironmentVariable("PATH");
        return PublishedCompose.RunAsync(start, TimeSpan.FromSeconds(60));
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string CallsFile(string name) => Path.Combine(_folder, name + ".calls");
}
