using System.ComponentModel;
using System.Diagnostics;
using Microsoft.Extensions.Configuration;

namespace Pipeline.AppHost.Topology;

/// <summary>
/// The default AppHost runs Kafka as a container. Without a container engine Aspire 13.6 logs one warning that the
/// runtime is unhealthy and waits forever, so the AppHost asks the engine itself before it builds the model and
/// stops at once, saying what is missing and that <c>-p:EmbeddedKafka=true</c> runs everything without it.
/// </summary>
public static class ContainerRuntimeCheck
{
    /// <summary>The build that needs no container engine.</summary>
    public const string WithoutDocker = "dotnet run --project AppHost -p:EmbeddedKafka=true";

    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(20);

    /// <summary>
    /// Null when the container engine Aspire would use answers <c>info</c>; otherwise what to tell the user. The engine
    /// is chosen as Aspire chooses it: <c>ASPIRE_CONTAINER_RUNTIME</c> (or <c>DOTNET_ASPIRE_CONTAINER_RUNTIME</c>), else docker.
    /// </summary>
    public static string? Problem(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var runtime = configuration["ASPIRE_CONTAINER_RUNTIME"] is { Length: > 0 } chosen ? chosen
            : configuration["DOTNET_ASPIRE_CONTAINER_RUNTIME"] is { Length: > 0 } legacy ? legacy
            : "docker";
        var failure = Ask(runtime);
        return failure is null ? null
            : $"The default AppHost runs Kafka as a container and needs a running {runtime} engine, but '{runtime} info' {failure}. "
              + $"Start the engine (or choose another with ASPIRE_CONTAINER_RUNTIME=podman), or run everything without containers: {WithoutDocker}";
    }

    /// <summary>Null when <c>&lt;runtime&gt; info</c> succeeds, else how it failed.</summary>
    private static string? Ask(string runtime)
    {
        var start = new ProcessStartInfo(runtime, "info") { RedirectStandardOutput = true, RedirectStandardError = true };
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new Win32Exception();
        }
        catch (Win32Exception)
        {
            return "could not run: it is not installed or not on PATH";
        }

        using (process)
        {
            var error = process.StandardError.ReadToEndAsync();
            _ = process.StandardOutput.ReadToEndAsync();
            if (!process.WaitForExit(s_timeout))
            {
                process.Kill(entireProcessTree: true);
                return $"did not answer within {s_timeout.TotalSeconds:0} s";
            }

            if (process.ExitCode == 0)
            {
                return null;
            }

            var firstLine = error.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault();
            return $"failed (exit code {process.ExitCode}{(firstLine is null ? string.Empty : ": " + firstLine)})";
        }
    }
}
