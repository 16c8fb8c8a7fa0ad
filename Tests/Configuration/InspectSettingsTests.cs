using Pipeline.StreamProcessor.Inspection;

namespace Pipeline.Tests.Configuration;

/// <summary>
/// The settings inspect and export read when no flag names the run: the service's, bound the service's way,
/// without writing anything. <see cref="InspectSettingsProcessTests"/> runs the real process.
/// </summary>
public sealed class InspectSettingsTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("pipeline-inspect-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void ReadSinkOptions_AppSettingsJson_IsHonoured()
    {
        // Arrange: a content root whose appsettings.json names the run, as the service's own folder would.
        var output = Path.Combine(_root, "output");
        File.WriteAllText(Path.Combine(_root, "appsettings.json"), $$"""
            { "Pipeline": { "Output": { "OutputPath": "{{output.Replace("\\", "\\\\", StringComparison.Ordinal)}}", "RunId": "from-appsettings" } } }
            """);

        // Act
        var options = OutputCommands.ReadSinkOptions([], _root);

        // Assert
        Assert.Equal(output, options.OutputPath);
        Assert.Equal("from-appsettings", options.RunId);
    }

    [Fact]
    public void ReadSinkOptions_CommandLineAliasAndUnwritableOutput_BindsWithoutTheValidator()
    {
        // Arrange: an output path the service's validator would create (to test-write it).
        var output = Path.Combine(_root, "not-created");

        // Act
        var options = OutputCommands.ReadSinkOptions(["--OUTPUT_PATH=" + output, "--Pipeline:Output:RunId=cli"], _root);

        // Assert
        Assert.Equal(output, options.OutputPath);
        Assert.Equal("cli", options.RunId);
        Assert.False(Directory.Exists(output), "inspect must not create the output folder");
    }
}
