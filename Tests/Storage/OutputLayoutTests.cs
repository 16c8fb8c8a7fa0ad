using Pipeline.StreamProcessor.Storage;

namespace Pipeline.Tests.Storage;

public sealed class OutputLayoutTests
{
    [Fact]
    public void Paths_ForRunAndBatch_FollowTheOutputContract()
    {
        // Arrange
        string root = Path.GetFullPath(Path.Combine(Path.GetTempPath(), "out"));
        var run = LocalFileStorage.ForRun(root, "r1");

        // Act
        string raw = run.Locate(OutputLayout.RawFileName("events", 2, 1234, id: 17));
        string aggregates = run.Locate(OutputLayout.AggregateFileName("events", 2, 1234));
        string checkpoint = run.Locate(OutputLayout.CheckpointName("events", 2));

        // Assert
        Assert.Equal(Path.Combine(root, "run_r1", "events", "id=17", "part-events-p2-o00000000000000001234.parquet"), raw);
        Assert.Equal(Path.Combine(root, "run_r1", "aggregates", "part-events-p2-o00000000000000001234.parquet"), aggregates);
        Assert.Equal(Path.Combine(root, "run_r1", "_checkpoints", "events-p2.json"), checkpoint);
    }

    [Fact]
    public void BatchFileName_LargestOffset_FitsTwentyDigits()
    {
        // Act
        string name = OutputLayout.BatchFileName("t", 0, long.MaxValue);

        // Assert
        Assert.Equal("part-t-p0-o09223372036854775807.parquet", name);
    }

    [Fact]
    public void TempPathFor_FinalPath_IsHiddenSiblingWithTmpSuffix()
    {
        // Arrange
        string final = Path.Combine("a", "b", "part-t-p0-o00000000000000000000.parquet");

        // Act
        string temp = OutputLayout.TempPathFor(final);

        // Assert
        Assert.Equal(Path.Combine("a", "b", ".part-t-p0-o00000000000000000000.parquet.tmp"), temp);
    }

    [Theory]
    [InlineData("events", "events")]
    [InlineData("my.topic_v2-x", "my.topic_v2-x")]
    [InlineData("a/b\\c d", "a_b_c_d")]
    [InlineData("ünï", "_n_")]
    public void SanitizeTopic_Name_KeepsOnlySafeCharacters(string topic, string expected)
    {
        Assert.Equal(expected, OutputLayout.SanitizeTopic(topic));
    }

    [Fact]
    public void IdleBatchFileName_Watermark_IsExactToTheTickAndParsesBack()
    {
        // Arrange
        DateTime watermark = new DateTime(2025, 3, 1, 12, 0, 10, DateTimeKind.Utc).AddTicks(1234567);

        // Act
        string name = OutputLayout.IdleBatchFileName("events", 1, 42, watermark);
        bool parsed = OutputLayout.TryParseBatchFileName(name, OutputLayout.BatchFilePrefix("events", 1), out long offset, out DateTime? read);

        // Assert
        Assert.Equal("part-events-p1-o00000000000000000042-w20250301T1200101234567Z.parquet", name);
        Assert.True(parsed);
        Assert.Equal(42, offset);
        Assert.Equal(watermark, read);
        Assert.Equal(DateTimeKind.Utc, read!.Value.Kind);
    }

    [Fact]
    public void IdleBatchFileName_LocalWatermark_Throws()
    {
        Assert.Throws<ArgumentException>(() => OutputLayout.IdleBatchFileName("events", 1, 42, new DateTime(2025, 3, 1, 0, 0, 0, DateTimeKind.Local)));
    }

    [Theory]
    [InlineData("part-events-p1-o00000000000000000042.parquet", true, 42)]
    [InlineData("part-events-p1-o09223372036854775807.parquet", true, long.MaxValue)]
    [InlineData("part-events-p12-o00000000000000000042.parquet", false, 0)]
    [InlineData("part-events-p1-o0000000000000000042.parquet", false, 0)]
    [InlineData("part-events-p1-o000000000000000000042.parquet", false, 0)]
    [InlineData("part-events-p1-o0000000000000000004x.parquet", false, 0)]
    [InlineData("part-events-p1-o00000000000000000042.parquet.tmp", false, 0)]
    [InlineData("part-events-p1-o99999999999999999999.parquet", false, 0)]
    [InlineData("part-events2-p1-o00000000000000000042.parquet", false, 0)]
    [InlineData("part-events-p1-o00000000000000000042-w20250301T1200100000000Z.parquet", true, 42)]
    [InlineData("part-events-p1-o00000000000000000042-w20250301T120010000000Z.parquet", false, 0)]
    [InlineData("part-events-p1-o00000000000000000042-w20251301T1200100000000Z.parquet", false, 0)]
    [InlineData("part-events-p1-o00000000000000000042-x20250301T1200100000000Z.parquet", false, 0)]
    [InlineData("part-events-p1-o00000000000000000042-w.parquet", false, 0)]
    public void TryParseBatchFileName_FileName_MatchesOnlyThisPartitionsExactNames(string fileName, bool expected, long expectedOffset)
    {
        // Act
        bool parsed = OutputLayout.TryParseBatchFileName(fileName, OutputLayout.BatchFilePrefix("events", 1), out long offset, out _);

        // Assert
        Assert.Equal(expected, parsed);
        Assert.Equal(expectedOffset, offset);
    }

    [Theory]
    [InlineData("a/b")]
    [InlineData("..")]
    [InlineData(".")]
    [InlineData("")]
    public void LocalRun_UnsafeRunId_Throws(string runId)
    {
        Assert.ThrowsAny<ArgumentException>(() => LocalFileStorage.ForRun(Path.GetTempPath(), runId));
    }
}
