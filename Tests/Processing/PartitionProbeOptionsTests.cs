using Pipeline.StreamProcessor;

namespace Pipeline.Tests.Processing;

/// <summary>The prober's settings: positive durations, and a confirmation bound no shorter than the probe interval.</summary>
public sealed class PartitionProbeOptionsTests
{
    [Fact]
    public void Validate_Defaults_Succeed()
    {
        var result = new ProcessorOptionsValidator().Validate(null, new ProcessorOptions());

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Fact]
    public void Validate_ZeroProbeSettingsAndABoundShorterThanTheInterval_FailNamingEachSetting()
    {
        var options = new ProcessorOptions
        {
            PartitionProbeTimeout = TimeSpan.Zero,
            PartitionProbeInterval = TimeSpan.FromSeconds(10),
            PartitionConfirmationMaxAge = TimeSpan.FromSeconds(5),
        };

        var result = new ProcessorOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, static f => f.StartsWith("Pipeline:Processor:PartitionProbeTimeout must be positive", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, static f => f.StartsWith(
            "Pipeline:Processor:PartitionConfirmationMaxAge must be at least Pipeline:Processor:PartitionProbeInterval", StringComparison.Ordinal));
    }
}
