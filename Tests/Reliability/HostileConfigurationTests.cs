using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Options;
using Pipeline.KafkaBroker;

namespace Pipeline.Tests.Reliability;

/// <summary>
/// Settings hostile to the file system (a run id or output path that would write elsewhere, an output path
/// that cannot be written) stop the real hosts at start with an <see cref="OptionsValidationException"/> that
/// names the setting and its alias, and nothing is created outside the output folder. The rules themselves are
/// unit-tested in <c>SinkOptionsValidatorTests</c>; these tests cover the host as Program.cs builds it, with the
/// seed's variable names (<c>RUN_ID</c>, <c>OUTPUT_PATH</c>, <c>KAFKA_TOPIC</c>) as the environment supplies them.
/// </summary>
public sealed class HostileConfigurationTests : IAsyncLifetime
{
    private const string RunIdSetting = "Pipeline:Output:RunId (RUN_ID)";
    private const string OutputPathSetting = "Pipeline:Output:OutputPath (OUTPUT_PATH)";
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);

    private readonly string _root = Directory.CreateTempSubdirectory("pipeline-hostile-config-").FullName;
    private readonly string _escapeName = "pipeline-escape-" + Guid.NewGuid().ToString("N")[..8];
    private KafkaBrokerServer _broker = null!;

    private string OutputPath => Path.Combine(_root, "output");

    /// <summary>Where a '..' path below <see cref="_root"/> would land: next to it, in the temp folder.</summary>
    private string EscapeTarget => Path.Combine(Path.GetDirectoryName(_root)!, _escapeName);

    public async ValueTask InitializeAsync() =>
        _broker = await KafkaBrokerServer.StartAsync(new KafkaBrokerOptions { Port = 0 },
            cancellationToken: TestContext.Current.CancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _broker.DisposeAsync();
        if (!OperatingSystem.IsWindows())
        {
            foreach (var directory in Directory.EnumerateDirectories(_root, "*", SearchOption.AllDirectories))
            {
                File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }

        Directory.Delete(_root, recursive: true);
        if (Directory.Exists(EscapeTarget))
        {
            Directory.Delete(EscapeTarget, recursive: true);
        }
    }

    [Theory]
    [InlineData("RUN_ID", "..")]
    [InlineData("RUN_ID", "../{escape}")]
    [InlineData("RUN_ID", "..\\{escape}")]
    [InlineData("RUN_ID", "runs/1")]
    [InlineData("RUN_ID", "runs\\1")]
    [InlineData("RUN_ID", "{root}/absolute")]
    [InlineData("RUN_ID", "C:\\absolute")]
    [InlineData("RUN_ID", "\\\\server\\share")]
    [InlineData("Pipeline:Output:RunId", "../../{escape}")]
    public async Task StreamProcessor_HostileRunId_RefusesToStartNamingTheSetting(string key, string runId)
    {
        // Arrange
        await using var processor = ServiceHosts.BuildStreamProcessor(_root, ProcessorSettings(key, Expand(runId)));

        // Act
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => StartAsync(processor));

        // Assert
        Assert.Contains(RunIdSetting, error.Message, StringComparison.Ordinal);
        AssertNothingWrittenOutsideTheOutputPath();
        Assert.Empty(Directory.EnumerateFileSystemEntries(OutputPath));
    }

    [Fact]
    public async Task StreamProcessor_RunIdLongerThanAFolderName_RefusesToStartNamingTheSetting()
    {
        // Arrange: run_<RunId> must be one folder name, 255 bytes at most on common file systems.
        await using var processor = ServiceHosts.BuildStreamProcessor(_root, ProcessorSettings("RUN_ID", new string('r', 300)));

        // Act
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => StartAsync(processor));

        // Assert
        Assert.Contains(RunIdSetting, error.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(OutputPath));
    }

    [Theory]
    [InlineData("{root}/output/../../{escape}")]
    [InlineData("{root}/output/data/../../../{escape}")]
    [InlineData("{root}\\output\\..\\..\\{escape}")]
    [InlineData("{root}/output/..")]
    public async Task StreamProcessor_OutputPathWithParentSegments_RefusesToStartAndCreatesNothing(string path)
    {
        // Arrange
        await using var processor = ServiceHosts.BuildStreamProcessor(_root, ProcessorSettings("OUTPUT_PATH", Expand(path)));

        // Act
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => StartAsync(processor));

        // Assert
        Assert.Contains(OutputPathSetting, error.Message, StringComparison.Ordinal);
        Assert.Contains("'..'", error.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(EscapeTarget), $"{EscapeTarget} was created.");
        Assert.Empty(Directory.EnumerateFileSystemEntries(_root));
    }

    [Fact]
    public async Task StreamProcessor_UnwritableOutputPath_RefusesToStartNamingTheSetting()
    {
        // Arrange: a read-only folder; where that does not stop writes (root), a path below a regular file,
        // which nobody can create.
        var path = Path.Combine(_root, "read-only");
        Directory.CreateDirectory(path);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        }

        if (CanWriteIn(path))
        {
            var file = Path.Combine(_root, "a-file");
            File.WriteAllText(file, "not a folder");
            path = Path.Combine(file, "sub");
            TestContext.Current.TestOutputHelper?.WriteLine("chmod does not stop writes here (root): using a path below a regular file.");
        }

        await using var processor = ServiceHosts.BuildStreamProcessor(_root, ProcessorSettings("OUTPUT_PATH", path));

        // Act
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => StartAsync(processor));

        // Assert
        Assert.Contains($"{OutputPathSetting} '{path}' is not a writable directory", error.Message, StringComparison.Ordinal);
        Assert.False(Path.Exists(path) && Directory.EnumerateFileSystemEntries(path).Any(), $"Something was written in {path}.");
    }

    [Fact]
    public async Task StreamProcessor_OutputPathIsARegularFile_RefusesToStartNamingTheSetting()
    {
        // Arrange
        var file = Path.Combine(_root, "output-file");
        File.WriteAllText(file, "x");
        await using var processor = ServiceHosts.BuildStreamProcessor(_root, ProcessorSettings("OUTPUT_PATH", file));

        // Act
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => StartAsync(processor));

        // Assert
        Assert.Contains($"{OutputPathSetting} '{file}' is not a writable directory", error.Message, StringComparison.Ordinal);
        Assert.Equal("x", await File.ReadAllTextAsync(file, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task StreamProcessor_TopicShapedLikeAPath_RefusesToStartNamingTheSetting()
    {
        // Arrange: the topic names output files and checkpoints.
        var settings = ProcessorSettings("KAFKA_TOPIC", "../" + _escapeName);
        settings.Remove("Pipeline:Processor:Topic"); // the structured key would win over the alias
        await using var processor = ServiceHosts.BuildStreamProcessor(_root, settings);

        // Act
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => StartAsync(processor));

        // Assert
        Assert.Contains("Pipeline:Processor:Topic (KAFKA_TOPIC)", error.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(EscapeTarget));
    }

    [Fact]
    public async Task Producer_TopicShapedLikeAPath_RefusesToStartNamingTheSetting()
    {
        // Arrange: the Producer writes no files; its topic is the only name it takes from configuration.
        await using var producer = ServiceHosts.BuildProducer(_root, new Dictionary<string, string?>
        {
            ["ConnectionStrings:kafka"] = _broker.BootstrapServers,
            ["KAFKA_TOPIC"] = "../" + _escapeName,
        });

        // Act
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => StartAsync(producer));

        // Assert
        Assert.Contains("Pipeline:Producer:Topic", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StreamProcessor_SafeRunIdAndWritableOutputPath_Starts()
    {
        // Arrange: the control case, built the same way as the hostile ones.
        await using var processor = ServiceHosts.BuildStreamProcessor(_root, ProcessorSettings("RUN_ID", "run-1.a_b"));

        // Act
        await StartAsync(processor);
        await processor.StopAsync(TestContext.Current.CancellationToken).WaitAsync(s_timeout, TestContext.Current.CancellationToken);

        // Assert
        AssertNothingWrittenOutsideTheOutputPath();
    }

    private static Task StartAsync(WebApplication host) =>
        host.StartAsync(TestContext.Current.CancellationToken).WaitAsync(s_timeout, TestContext.Current.CancellationToken);

    private static bool CanWriteIn(string directory)
    {
        var probe = Path.Combine(directory, "probe");
        try
        {
            File.WriteAllText(probe, "x");
            File.Delete(probe);
            return true;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    private void AssertNothingWrittenOutsideTheOutputPath()
    {
        Assert.Equal([OutputPath], Directory.EnumerateFileSystemEntries(_root));
        Assert.False(Directory.Exists(EscapeTarget), $"{EscapeTarget} was created.");
    }

    private string Expand(string value) => value.Replace("{root}", _root, StringComparison.Ordinal).Replace("{escape}", _escapeName, StringComparison.Ordinal);

    /// <summary>A processor's settings with one hostile <paramref name="key"/>; the others safe.</summary>
    private Dictionary<string, string?> ProcessorSettings(string key, string value)
    {
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:kafka"] = _broker.BootstrapServers,
            ["Pipeline:Processor:Topic"] = "events-" + _escapeName,
            ["Pipeline:Processor:GroupId"] = "group-" + _escapeName,
            ["OUTPUT_PATH"] = OutputPath,
            ["RUN_ID"] = "run-1",
        };
        settings[key] = value;
        return settings;
    }
}
