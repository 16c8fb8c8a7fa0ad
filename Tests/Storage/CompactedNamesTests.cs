using Pipeline.StreamProcessor.Storage;

namespace Pipeline.Tests.Storage;

/// <summary>The compacted file's name and the covered rule (<see cref="OutputLayout.Covers"/>): pure name logic.</summary>
public sealed class CompactedNamesTests
{
    private const string Prefix = "part-events-p2-o";

    [Fact]
    public void CompactedFileName_Range_FollowsTheOutputContractAndParsesBack()
    {
        // Act
        string name = OutputLayout.CompactedFileName("events", 2, 1234, 5678);
        bool parsed = OutputLayout.TryParseFileSpan(name, Prefix, out FileSpan span);

        // Assert
        Assert.Equal("part-events-p2-o00000000000000001234-c00000000000000005678.parquet", name);
        Assert.True(parsed);
        Assert.Equal(new FileSpan(1234, 5678, Watermark: null), span);
        Assert.True(span.IsCompacted);
    }

    [Theory]
    [InlineData("part-events-p2-o00000000000000000010.parquet", 10L, null)]
    [InlineData("part-events-p2-o00000000000000000010-w20250301T1200000000000Z.parquet", 10L, null)]
    [InlineData("part-events-p2-o00000000000000000010-c00000000000000000020.parquet", 10L, 20L)]
    public void TryParseFileSpan_EveryKindOfFile_ReadsItsOffsets(string fileName, long first, long? next)
    {
        // Act
        bool parsed = OutputLayout.TryParseFileSpan(fileName, Prefix, out FileSpan span);

        // Assert
        Assert.True(parsed);
        Assert.Equal(first, span.First);
        Assert.Equal(next, span.Next);
    }

    [Theory]
    [InlineData("part-events-p2-o00000000000000000010-c00000000000000000010.parquet")] // empty range
    [InlineData("part-events-p2-o00000000000000000020-c00000000000000000010.parquet")] // backwards
    [InlineData("part-events-p2-o00000000000000000010-c0000000000000000002.parquet")]  // 19 digits
    [InlineData("part-events-p2-o00000000000000000010-x00000000000000000020.parquet")]
    [InlineData("part-events-p22-o00000000000000000010-c00000000000000000020.parquet")] // another partition
    public void TryParseFileSpan_NotACompactedNameOfThePartition_IsRefused(string fileName)
    {
        Assert.False(OutputLayout.TryParseFileSpan(fileName, Prefix, out _));
    }

    [Fact]
    public void TryParseAnyFileSpan_NameOfAnyPartition_FindsItsPrefix()
    {
        // Act
        bool parsed = OutputLayout.TryParseAnyFileSpan("part-my-otopic-p12-o00000000000000000003-c00000000000000000009.parquet", out string prefix, out FileSpan span);

        // Assert
        Assert.True(parsed);
        Assert.Equal("part-my-otopic-p12-o", prefix);
        Assert.Equal(new FileSpan(3, 9, null), span);
    }

    [Theory]
    [InlineData(9L, false)]   // before the range
    [InlineData(10L, true)]   // its first offset
    [InlineData(19L, true)]   // inside
    [InlineData(20L, false)]  // its next offset: the batch after it
    public void Covers_BatchFile_WhenItsOffsetIsInTheRange(long offset, bool covered)
    {
        Assert.Equal(covered, OutputLayout.Covers(new FileSpan(10, 20, null), new FileSpan(offset, null, null)));
    }

    [Theory]
    [InlineData(20L, false)]  // an idle batch at the boundary: its checkpoint may not be the one compacted
    [InlineData(15L, true)]
    public void Covers_IdleBatchFile_WhenItsOffsetIsInTheRange(long offset, bool covered)
    {
        var idle = new FileSpan(offset, null, new DateTime(2025, 3, 1, 12, 0, 0, DateTimeKind.Utc));
        Assert.Equal(covered, OutputLayout.Covers(new FileSpan(5, 20, null), idle));
    }

    [Theory]
    [InlineData(10L, 20L, true)]   // inside, sharing the first offset
    [InlineData(12L, 18L, true)]   // strictly inside
    [InlineData(10L, 30L, false)]  // equal: a file never covers itself
    [InlineData(5L, 20L, false)]   // overlapping on the left
    [InlineData(25L, 35L, false)]  // overlapping on the right
    [InlineData(0L, 40L, false)]   // larger
    public void Covers_CompactedFile_OnlyWhenContainedAndDifferent(long first, long next, bool covered)
    {
        Assert.Equal(covered, OutputLayout.Covers(new FileSpan(10, 30, null), new FileSpan(first, next, null)));
    }

    [Fact]
    public void Covers_ByABatchFile_Never()
    {
        Assert.False(OutputLayout.Covers(new FileSpan(10, null, null), new FileSpan(10, null, null)));
    }

    [Fact]
    public void LiveFiles_AfterACompactionCommittedAndDiedBeforeItsDeletes_KeepsEachRowOnce()
    {
        // Arrange: [0, 30) compacted in id=1 of p2; its inputs still there; other folders, partitions and names untouched
        string[] names =
        [
            "events/id=1/part-events-p2-o00000000000000000000-c00000000000000000030.parquet",
            "events/id=1/part-events-p2-o00000000000000000000-c00000000000000000010.parquet", // an earlier compaction, covered
            "events/id=1/part-events-p2-o00000000000000000010.parquet",
            "events/id=1/part-events-p2-o00000000000000000020.parquet",
            "events/id=1/part-events-p2-o00000000000000000030.parquet",                         // after it: live
            "events/id=1/part-events-p1-o00000000000000000010.parquet",                         // another partition
            "events/id=2/part-events-p2-o00000000000000000010.parquet",                         // another folder
            "aggregates/part-events-p2-o00000000000000000010-w20250301T1200000000000Z.parquet",
            "_checkpoints/events-p2.json",
        ];

        // Act
        var live = OutputLayout.LiveFiles(names);

        // Assert
        Assert.Equal(
            [
                "events/id=1/part-events-p2-o00000000000000000000-c00000000000000000030.parquet",
                "events/id=1/part-events-p2-o00000000000000000030.parquet",
                "events/id=1/part-events-p1-o00000000000000000010.parquet",
                "events/id=2/part-events-p2-o00000000000000000010.parquet",
                "aggregates/part-events-p2-o00000000000000000010-w20250301T1200000000000Z.parquet",
                "_checkpoints/events-p2.json",
            ],
            live);
    }
}
