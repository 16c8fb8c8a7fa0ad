using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Pipeline.Producer;
using Pipeline.StreamProcessor;
using Pipeline.StreamProcessor.Sinks;

namespace Pipeline.Tests.Configuration;

/// <summary>
/// The real hosts as Program.cs builds them, with each service's build output as the content root, so its real
/// <c>appsettings.json</c> is loaded, the way <c>dotnet StreamProcessor.dll</c> run from that folder loads it.
/// Precedence, highest first: command line, <c>Section__Key</c> variable, the seed's alias, appsettings.json,
/// the code default. Variables go where the host reads the environment (see <see cref="ServiceHosts"/>);
/// <see cref="SeedVariableProcessTests"/> passes them through a real process environment.
/// </summary>
public sealed class SettingsPrecedenceTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("pipeline-settings-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task Producer_TopicAliasAlone_ChangesTheTopic()
    {
        var options = await ProducerOptionsAsync(new() { ["KAFKA_TOPIC"] = "aliased" });

        Assert.Equal("aliased", options.Topic);
    }

    [Fact]
    public async Task Producer_RateAliasAlone_ChangesTheRate()
    {
        var options = await ProducerOptionsAsync(new() { ["MSGS_PER_SEC"] = "12.5" });

        Assert.Equal(12.5, options.MessagesPerSecond);
    }

    [Theory]
    [InlineData(null, "structured")] // both variables set: the structured one wins
    [InlineData("--Pipeline:Producer:Topic=command-line", "command-line")]
    [InlineData("--KAFKA_TOPIC=command-line", "command-line")] // the command line beats the environment, whatever the name
    public async Task Producer_StructuredVariableAliasAndCommandLine_HighestWins(string? commandLine, string expected)
    {
        var options = await ProducerOptionsAsync(
            new() { ["Pipeline__Producer__Topic"] = "structured", ["KAFKA_TOPIC"] = "alias" },
            commandLine is null ? [] : [commandLine]);

        Assert.Equal(expected, options.Topic);
    }

    [Fact]
    public async Task StreamProcessor_TopicAliasAlone_ChangesTheTopic()
    {
        var options = await ResolveAsync<ProcessorOptions>(BuildProcessor(new() { ["KAFKA_TOPIC"] = "aliased" }));

        Assert.Equal("aliased", options.Topic);
    }

    [Fact]
    public async Task StreamProcessor_OutputPathAndRunIdAliases_ChangeTheSink()
    {
        var outputPath = Path.Combine(_root, "output");

        var options = await ResolveAsync<SinkOptions>(BuildProcessor(new() { ["OUTPUT_PATH"] = outputPath, ["RUN_ID"] = "run-7" }));

        Assert.Equal(outputPath, options.OutputPath);
        Assert.Equal("run-7", options.RunId);
    }

    [Theory]
    [InlineData(null, "structured")]
    [InlineData("--Pipeline:Processor:Topic=command-line", "command-line")]
    public async Task StreamProcessor_StructuredVariableAliasAndCommandLine_HighestWins(string? commandLine, string expected)
    {
        var processor = BuildProcessor(
            new() { ["Pipeline__Processor__Topic"] = "structured", ["KAFKA_TOPIC"] = "alias" },
            commandLine is null ? [] : [commandLine]);

        var options = await ResolveAsync<ProcessorOptions>(processor);

        Assert.Equal(expected, options.Topic);
    }

    private static Task<ProducerOptions> ProducerOptionsAsync(Dictionary<string, string?> environment, string[]? args = null) =>
        ResolveAsync<ProducerOptions>(ServiceHosts.BuildProducer(
            ContentRoot("Producer"), Settings(), args: args, environment: environment));

    private static WebApplication BuildProcessor(Dictionary<string, string?> environment, string[]? args = null) =>
        ServiceHosts.BuildStreamProcessor(ContentRoot("StreamProcessor"), Settings(), args: args, environment: environment);

    private static async Task<T> ResolveAsync<T>(WebApplication host)
        where T : class
    {
        await using (host)
        {
            // The service's own appsettings.json was read (its logging section is all it must hold).
            Assert.Equal("Information", host.Configuration["Logging:LogLevel:Default"]);
            return host.Services.GetRequiredService<IOptions<T>>().Value;
        }
    }

    private static string ContentRoot(string project)
    {
        var root = ServiceProcess.OutputDirectory(project);
        Assert.True(File.Exists(Path.Combine(root, "appsettings.json")), $"No appsettings.json in {root}.");
        return root;
    }

    /// <summary>Nothing here connects; the host only needs to find a broker address to build.</summary>
    private static Dictionary<string, string?> Settings() => new() { ["ConnectionStrings:kafka"] = "127.0.0.1:9" };
}
