using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Pipeline.AppHost.Topology;

namespace Pipeline.Tests.AppHost;

/// <summary>
/// The default AppHost build run as a user runs it on a machine without a container engine: it stops at once, saying
/// what is missing and naming the build that needs none (before, it warned once and waited until killed).
/// </summary>
public sealed class DefaultAppHostTests
{
    [Fact]
    public async Task DefaultBuild_WithoutAContainerEngine_ExitsAtOnceNamingTheEmbeddedBuild()
    {
        // Arrange: an engine name that cannot exist, so the outcome does not depend on this machine's Docker.
        PublishedCompose.RequireDefaultBuild();
        var start = new ProcessStartInfo("dotnet", [PublishedCompose.AppHostAssembly]) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["ASPIRE_CONTAINER_RUNTIME"] = "pipeline-no-such-engine";

        // Act
        var (exitCode, output) = await PublishedCompose.RunAsync(start, TimeSpan.FromSeconds(60));

        // Assert
        Assert.True(exitCode == 1, $"exit code {exitCode}:\n{output}");
        Assert.Contains("pipeline-no-such-engine", output, StringComparison.Ordinal);
        Assert.Contains(ContainerRuntimeCheck.WithoutDocker, output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("true", null)]
    [InlineData("false", "'false info' failed (exit code 1)")]
    [InlineData("pipeline-no-such-engine", "'pipeline-no-such-engine info' could not run: it is not installed or not on PATH")]
    public void Problem_AsksTheConfiguredEngine(string runtime, string? expected)
    {
        // Arrange
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["ASPIRE_CONTAINER_RUNTIME"] = runtime }).Build();

        // Act
        var problem = ContainerRuntimeCheck.Problem(configuration);

        // Assert
        if (expected is null)
        {
            Assert.Null(problem);
        }
        else
        {
            Assert.NotNull(problem);
            Assert.Contains(expected, problem, StringComparison.Ordinal);
            Assert.EndsWith(ContainerRuntimeCheck.WithoutDocker, problem, StringComparison.Ordinal);
        }
    }
}
