using System.Diagnostics;
using System.Text;

namespace Pipeline.Tests.TestKit;

/// <summary>
/// A Pipeline service (Producer or StreamProcessor) running as its own OS process, built by the same
/// build as the tests, so it can be killed for real: SIGKILL (no finally block, no flush) or SIGTERM
/// (the host's graceful stop).
/// </summary>
internal sealed class ServiceProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly StringBuilder _error = new();

    private ServiceProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => Append(e.Data, error: false);
        _process.ErrorDataReceived += (_, e) => Append(e.Data, error: true);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>What the process wrote to standard error only (also part of <see cref="Output"/>).</summary>
    public string StandardError
    {
        get
        {
            lock (_output)
            {
                return _error.ToString();
            }
        }
    }

    /// <summary>
    /// Starts <c>dotnet &lt;project&gt;.dll [arguments]</c> with the given environment, in its own build output
    /// unless <paramref name="workingDirectory"/> says where (as <c>dotnet run</c> from the repository root does).
    /// </summary>
    public static ServiceProcess Start(
        string project, IReadOnlyDictionary<string, string> environment, IReadOnlyList<string>? arguments = null, string? workingDirectory = null)
    {
        var dll = ServiceAssembly(project);
        var start = new ProcessStartInfo("dotnet", [dll, .. arguments ?? []])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Path.GetDirectoryName(dll)!,
        };
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        start.Environment["Logging__Console__FormatterName"] = "simple";
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        return new ServiceProcess(Process.Start(start) ?? throw new InvalidOperationException($"Could not start {dll}."));
    }

    /// <summary>SIGKILL: the process gets no chance to flush, commit or leave its group.</summary>
    public void KillHard()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
    }

    /// <summary>SIGSTOP: the process freezes (as under a long GC pause, a stopped VM or a debugger) until <see cref="ResumeAsync"/>.</summary>
    public Task PauseAsync() => SignalAsync("-STOP");

    /// <summary>SIGCONT after <see cref="PauseAsync"/>.</summary>
    public Task ResumeAsync() => SignalAsync("-CONT");

    private async Task SignalAsync(string signal)
    {
        using var kill = Process.Start("kill", [signal, _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await kill!.WaitForExitAsync();
    }

    /// <summary>SIGTERM, as docker stop or Kubernetes sends it; returns the exit code.</summary>
    public async Task<int> TerminateAsync(TimeSpan timeout)
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill!.WaitForExitAsync();
        }

        using var cancellation = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancellation.Token);
        }
        catch (OperationCanceledException)
        {
            KillHard();
            throw new TimeoutException($"The service did not stop within {timeout} after SIGTERM. Output:\n{Output}");
        }

        return _process.ExitCode;
    }

    /// <summary>Waits for the process to exit on its own; returns the exit code, or fails after the timeout.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            await _process.WaitForExitAsync(cancellationToken).WaitAsync(timeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            KillHard();
            throw new TimeoutException($"The service did not exit within {timeout}. Output:\n{Output}");
        }

        return _process.ExitCode;
    }

    /// <summary>
    /// Waits until the output holds <paramref name="text"/>; fails at once if the process exits first, and with
    /// the output after <paramref name="timeout"/>.
    /// </summary>
    public Task WaitForOutputAsync(string text, TimeSpan timeout) =>
        PipelineTestKit.WaitUntilAsync(
            () =>
            {
                var output = Output;
                Assert.False(HasExited && !output.Contains(text, StringComparison.Ordinal), $"The service exited before '{text}'. Output:\n{output}");
                return output;
            },
            output => output.Contains(text, StringComparison.Ordinal),
            output => $"'{text}'. Output:\n{output}",
            timeout);

    public void Dispose()
    {
        KillHard();
        _process.Dispose();
    }

    private void Append(string? line, bool error)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
            if (error)
            {
                _error.AppendLine(line);
            }
        }
    }

    /// <summary>The folder of <see cref="ServiceAssembly"/>, where the build copies the service's <c>appsettings.json</c>.</summary>
    public static string OutputDirectory(string project) => Path.GetDirectoryName(ServiceAssembly(project))!;

    /// <summary>The service's own build output, next to the tests' (artifacts/bin/&lt;project&gt;/&lt;configuration&gt;).</summary>
    private static string ServiceAssembly(string project)
    {
        // Tests run from artifacts/bin/Tests/<configuration>/: the service sits in artifacts/bin/<project>/<configuration>/.
        var testsDirectory = AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar);
        var configuration = Path.GetFileName(testsDirectory);
        var bin = Path.GetDirectoryName(Path.GetDirectoryName(testsDirectory))!;
        var dll = Path.Combine(bin, project, configuration, project + ".dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException($"Build {project} first: {dll} not found.", dll);
    }
}
