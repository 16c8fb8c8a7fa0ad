using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Pipeline.StreamProcessor.Sinks;

namespace Pipeline.Tests.Sinks;

public sealed class SinkOptionsValidatorTests : IDisposable
{
    private readonly TempOutputDirectory _output = new();
    private readonly SinkOptionsValidator _sut = new();

    public void Dispose() => _output.Dispose();

    [Fact]
    public void Validate_DefaultsWithWritablePath_Succeeds()
    {
        // Arrange
        var options = new SinkOptions { OutputPath = _output.Path };

        // Act
        ValidateOptionsResult result = _sut.Validate(null, options);

        // Assert
        Assert.True(result.Succeeded, result.FailureMessage);
        Assert.Equal("default", options.RunId);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_output.Path));
    }

    [Fact]
    public void Validate_MissingOutputPath_CreatesIt()
    {
        // Arrange
        string path = Path.Combine(_output.Path, "new", "nested");

        // Act
        ValidateOptionsResult result = _sut.Validate(null, new SinkOptions { OutputPath = path });

        // Assert
        Assert.True(result.Succeeded, result.FailureMessage);
        Assert.True(Directory.Exists(path));
    }

    [Theory]
    [InlineData("a/b")]
    [InlineData("a\\b")]
    [InlineData("..")]
    [InlineData(".")]
    [InlineData("")]
    [InlineData("run id")]
    public void Validate_UnsafeRunId_FailsNamingTheSetting(string runId)
    {
        // Act
        ValidateOptionsResult result = _sut.Validate(null, new SinkOptions { OutputPath = _output.Path, RunId = runId });

        // Assert
        Assert.True(result.Failed);
        string failure = Assert.Single(result.Failures!);
        Assert.StartsWith("Pipeline:Output:RunId ", failure, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("../outside")]
    [InlineData("data/../../etc")]
    public void Validate_OutputPathWithParentSegment_FailsNamingTheSettingAndAlias(string path)
    {
        ValidateOptionsResult result = _sut.Validate(null, new SinkOptions { OutputPath = path });

        string failure = Assert.Single(result.Failures!);
        Assert.StartsWith("Pipeline:Output:OutputPath (OUTPUT_PATH) ", failure, StringComparison.Ordinal);
        Assert.Contains("'..'", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_OutputPathUnderRegularFile_FailsWithTheOperatingSystemMessage()
    {
        // Arrange: a path below a regular file cannot be created, even by root.
        string file = Path.Combine(_output.Path, "a-file");
        File.WriteAllText(file, "x");
        string path = Path.Combine(file, "output");
        string osMessage = Assert.ThrowsAny<IOException>(() => Directory.CreateDirectory(path)).Message;

        // Act
        ValidateOptionsResult result = _sut.Validate(null, new SinkOptions { OutputPath = path });

        // Assert
        string failure = Assert.Single(result.Failures!);
        Assert.StartsWith("Pipeline:Output:OutputPath ", failure, StringComparison.Ordinal);
        Assert.Contains(osMessage, failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_EverySettingWrong_ReportsAllFailures()
    {
        // Arrange
        var options = new SinkOptions
        {
            OutputPath = " ",
            RunId = "../escape",
            RowGroupSize = 0,
            MaxBatchRows = -1,
            TriggerInterval = TimeSpan.Zero,
        };

        // Act
        ValidateOptionsResult result = _sut.Validate(null, options);

        // Assert
        Assert.Equal(
            [
                "Pipeline:Output:MaxBatchRows",
                "Pipeline:Output:OutputPath",
                "Pipeline:Output:RowGroupSize",
                "Pipeline:Output:RunId",
                "Pipeline:Output:TriggerInterval",
            ],
            result.Failures!.Select(f => f[..f.IndexOf(' ', StringComparison.Ordinal)]).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void ValidateOnStart_RunIdWithPathSeparator_FailsAtStart()
    {
        // Arrange
        using ServiceProvider services = BuildServices(new Dictionary<string, string?>
        {
            ["Pipeline:Output:OutputPath"] = _output.Path,
            ["Pipeline:Output:RunId"] = "runs/1",
        });

        // Act
        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IStartupValidator>().Validate());

        // Assert
        Assert.Contains("Pipeline:Output:RunId", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bind_FromConfiguration_ReadsEverySetting()
    {
        // Arrange
        using ServiceProvider services = BuildServices(new Dictionary<string, string?>
        {
            ["Pipeline:Output:OutputPath"] = _output.Path,
            ["Pipeline:Output:RunId"] = "r-2.x_y",
            ["Pipeline:Output:RowGroupSize"] = "1000",
            ["Pipeline:Output:MaxBatchRows"] = "2000",
            ["Pipeline:Output:TriggerInterval"] = "00:00:02",
        });

        // Act
        SinkOptions options = services.GetRequiredService<IOptions<SinkOptions>>().Value;

        // Assert
        Assert.Equal(_output.Path, options.OutputPath);
        Assert.Equal("r-2.x_y", options.RunId);
        Assert.Equal(1000, options.RowGroupSize);
        Assert.Equal(2000, options.MaxBatchRows);
        Assert.Equal(TimeSpan.FromSeconds(2), options.TriggerInterval);
    }

    [Fact]
    public void Validate_NegativeCompactionInterval_FailsNamingTheSetting()
    {
        // Arrange
        var options = new SinkOptions { OutputPath = _output.Path, CompactionInterval = TimeSpan.FromSeconds(-1) };

        // Act
        ValidateOptionsResult result = _sut.Validate(null, options);

        // Assert
        Assert.Equal("Pipeline:Output:CompactionInterval", Assert.Single(result.Failures!).Split(' ')[0]);
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(-1L)]
    public void Validate_CompactionTargetBytesNotPositive_FailsNamingTheSetting(long targetBytes)
    {
        // Arrange
        var options = new SinkOptions { OutputPath = _output.Path, CompactionTargetBytes = targetBytes };

        // Act
        ValidateOptionsResult result = _sut.Validate(null, options);

        // Assert
        Assert.Equal("Pipeline:Output:CompactionTargetBytes", Assert.Single(result.Failures!).Split(' ')[0]);
    }

    [Fact]
    public void Bind_CompactionIntervalZero_IsValidAndMeansNever()
    {
        // Arrange
        using ServiceProvider services = BuildServices(new Dictionary<string, string?>
        {
            ["Pipeline:Output:OutputPath"] = _output.Path,
            ["Pipeline:Output:CompactionInterval"] = "00:00:00",
            ["Pipeline:Output:CompactionTargetBytes"] = "1048576",
        });

        // Act
        SinkOptions options = services.GetRequiredService<IOptions<SinkOptions>>().Value;

        // Assert
        Assert.Equal(TimeSpan.Zero, options.CompactionInterval);
        Assert.Equal(1L << 20, options.CompactionTargetBytes);
    }

    [Fact]
    public void Defaults_Compaction_EveryMinuteUpTo128MiB()
    {
        var options = new SinkOptions();
        Assert.Equal(TimeSpan.FromMinutes(1), options.CompactionInterval);
        Assert.Equal(128L * 1024 * 1024, options.CompactionTargetBytes);
    }

    private static ServiceProvider BuildServices(Dictionary<string, string?> settings)
    {
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddSingleton(configuration);
        services.AddSingleton<IValidateOptions<SinkOptions>, SinkOptionsValidator>();
        services.AddOptions<SinkOptions>().BindConfiguration(SinkOptions.SectionName).ValidateOnStart();
        return services.BuildServiceProvider();
    }
}
