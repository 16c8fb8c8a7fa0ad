using Pipeline.KafkaBroker;
using Pipeline.KafkaBroker.Hosting;

namespace Pipeline.Tests.KafkaBroker.Retention;

/// <summary>The retention settings: Kafka's defaults, Kafka's flag names, and a bad value refused at start naming the setting.</summary>
public sealed class RetentionOptionsTests
{
    [Fact]
    public async Task CommandLine_WithoutRetentionFlags_KeepsKafkasDefaults()
    {
        // Act
        var options = await ParseAsync([]);

        // Assert: 7 days, unlimited bytes, 1 GiB segments rolled weekly, checked every 5 minutes.
        Assert.Equal(TimeSpan.FromDays(7), options.Retention);
        Assert.Equal(-1, options.RetentionBytes);
        Assert.Equal(1024 * 1024 * 1024, options.SegmentBytes);
        Assert.Equal(TimeSpan.FromDays(7), options.SegmentRoll);
        Assert.Equal(TimeSpan.FromMinutes(5), options.RetentionCheckInterval);
        Assert.Empty(options.Validate());
    }

    [Fact]
    public async Task CommandLine_RetentionFlags_SetTheOptionsInKafkasUnits()
    {
        // Act
        var options = await ParseAsync(
        [
            "--retention-ms", "-1", "--retention-bytes", "1048576", "--segment-bytes", "65536",
            "--segment-ms", "600000", "--retention-check-interval-ms", "1000",
        ]);

        // Assert: -1 ms is unlimited, as in Kafka.
        Assert.Equal(Timeout.InfiniteTimeSpan, options.Retention);
        Assert.Equal(1_048_576, options.RetentionBytes);
        Assert.Equal(65_536, options.SegmentBytes);
        Assert.Equal(TimeSpan.FromMinutes(10), options.SegmentRoll);
        Assert.Equal(TimeSpan.FromSeconds(1), options.RetentionCheckInterval);
        Assert.Empty(options.Validate());
    }

    [Theory]
    [InlineData("--retention-ms", "-2", "Retention")]
    [InlineData("--retention-ms", "-3600000", "Retention")]
    [InlineData("--retention-bytes", "-5", "RetentionBytes")]
    [InlineData("--segment-bytes", "13", "SegmentBytes")]
    [InlineData("--segment-ms", "0", "SegmentRoll")]
    [InlineData("--retention-check-interval-ms", "0", "RetentionCheckInterval")]
    public async Task StartAsync_BadRetentionSetting_ThrowsNamingTheSetting(string flag, string value, string setting)
    {
        // Arrange
        var options = await ParseAsync([flag, value]);
        options.Port = 0;

        // Act
        var error = await Assert.ThrowsAsync<ArgumentException>(async () =>
        {
            await using var broker = await KafkaBrokerServer.StartAsync(options, cancellationToken: TestContext.Current.CancellationToken);
        });

        // Assert
        Assert.Contains($"Invalid option {setting}:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_SeveralBadSettings_NamesEveryOne()
    {
        // Arrange: an attribute rule and two of the object's own rules broken together.
        var sut = new KafkaBrokerOptions { SegmentBytes = 1, RetentionBytes = -2, RetentionCheckInterval = TimeSpan.Zero };

        // Act
        var errors = sut.Validate();

        // Assert
        Assert.Equal(
        [
            "Invalid option RetentionBytes: RetentionBytes (--retention-bytes) must be -1 for unlimited or at least 0 (was -2).",
            "Invalid option RetentionCheckInterval: RetentionCheckInterval (--retention-check-interval-ms) must be positive (was 0 ms).",
            "Invalid option SegmentBytes: SegmentBytes (--segment-bytes) must be between 14 and 2147483647.",
        ],
        errors.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task BrokerProcess_NegativeRetentionBytes_ExitsWithInvalidOptionsNamingTheSettingAndFlag()
    {
        // Arrange
        var ct = TestContext.Current.CancellationToken;

        // Act
        using var process = ServiceProcess.Start("KafkaBroker", new Dictionary<string, string>(), ["--port", "0", "--retention-bytes", "-5"]);
        var exitCode = await process.WaitForExitAsync(TimeSpan.FromSeconds(30), ct);

        // Assert
        Assert.Equal(BrokerExitCodes.InvalidOptions, exitCode);
        var line = Assert.Single(process.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.Equal("Invalid option RetentionBytes: RetentionBytes (--retention-bytes) must be -1 for unlimited or at least 0 (was -5).", line);
    }

    private static async Task<KafkaBrokerOptions> ParseAsync(string[] arguments)
    {
        KafkaBrokerOptions? parsed = null;
        var exitCode = await BrokerCommandLine.Create((options, _) =>
            {
                parsed = options;
                return Task.FromResult(0);
            })
            .Parse(arguments)
            .InvokeAsync(cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(0, exitCode);
        return parsed!;
    }
}
