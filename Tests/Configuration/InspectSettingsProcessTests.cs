
namespace Pipeline.Tests.Configuration;

/// <summary>
/// <c>StreamProcessor inspect</c> as a real process started from its build output: it looks for the run the
/// service would write with the same settings, with the service's precedence (flags above all).
/// </summary>
public sealed class InspectSettingsProcessTests : IDisposable
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);
    private readonly string _root = Directory.CreateTempSubdirectory("pipeline-inspect-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task Inspect_OutputSettingsOnTheCommandLine_LooksForThatRun()
    {
        var output = await InspectAsync([], ["--Pipeline:Output:OutputPath=" + _root, "--Pipeline:Output:RunId=from-command-line"]);

        Assert.Contains("No run at " + TestRun.Local(_root, "from-command-line").Directory, output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inspect_StructuredVariableAndAlias_StructuredWins()
    {
        var output = await InspectAsync(
            new() { ["Pipeline__Output__OutputPath"] = _root, ["Pipeline__Output__RunId"] = "structured", ["RUN_ID"] = "alias" }, []);

        Assert.Contains("No run at " + TestRun.Local(_root, "structured").Directory, output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inspect_RunFlagAndCommandLineConfiguration_FlagWins()
    {
        var output = await InspectAsync(
            new() { ["OUTPUT_PATH"] = _root }, ["--Pipeline:Output:RunId=configured", "--run", "flagged"]);

        Assert.Contains("No run at " + TestRun.Local(_root, "flagged").Directory, output, StringComparison.Ordinal);
    }

    /// <summary>Runs inspect against an empty output root: it reports the run folder it looked for and exits 1.</summary>
    private static async Task<string> InspectAsync(Dictionary<string, string> environment, string[] arguments)
    {
        using var process = ServiceProcess.Start("StreamProcessor", environment, ["inspect", .. arguments]);
        var exitCode = await process.WaitForExitAsync(s_timeout, TestContext.Current.CancellationToken);
        Assert.True(exitCode == 1, $"inspect exited with {exitCode}:{Environment.NewLine}{process.Output}");
        return process.Output;
    }
}
