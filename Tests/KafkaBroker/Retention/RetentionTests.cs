using Confluent.Kafka;
using Confluent.Kafka.Admin;

namespace Pipeline.Tests.KafkaBroker.Retention;

/// <summary>
/// Retention as Kafka does it, on a fake clock: whole segments from the head, by the age of their newest record and by
/// the partition's total size, never the active segment; the log start (ListOffsets EARLIEST) moves with them and the
/// files go from disk. Every segment holds one message (see <see cref="RetentionHarness"/>).
/// </summary>
public sealed class RetentionTests
{
    [Fact]
    public async Task RetentionCheck_SegmentsOlderThanRetention_DeletesThemFromTheHeadAndMovesTheLogStart()
    {
        // Arrange: offsets 0-2 two hours old, 3-4 ten minutes old, with one hour of retention.
        var ct = TestContext.Current.CancellationToken;
        await using var harness = await RetentionHarness.StartAsync(o => o.Retention = TimeSpan.FromHours(1), partitions: 1, ct);
        await harness.ProduceAsync(3, age: TimeSpan.FromHours(2));
        await harness.ProduceAsync(2, age: TimeSpan.FromMinutes(10));
        Assert.Equal(5, harness.SegmentFiles().Count);

        // Act
        harness.RunRetentionCheck();

        // Assert: the three old segments are gone, from memory and disk; the log starts at 3, still ends at 5.
        Assert.Equal(["00000000000000000003.log", "00000000000000000004.log"], harness.SegmentFiles());
        var watermarks = harness.QueryWatermarks();
        Assert.Equal(3, watermarks.Low.Value);
        Assert.Equal(5, watermarks.High.Value);
    }

    [Fact]
    public async Task RetentionCheck_EveryRecordExpired_KeepsTheActiveSegment()
    {
        // Arrange
        var ct = TestContext.Current.CancellationToken;
        await using var harness = await RetentionHarness.StartAsync(o => o.Retention = TimeSpan.FromHours(1), partitions: 1, ct);
        await harness.ProduceAsync(4, age: TimeSpan.FromMinutes(30));

        // Act: two hours later every record is past retention.
        harness.Clock.Advance(TimeSpan.FromHours(2));
        harness.RunRetentionCheck();

        // Assert: only the active segment (offset 3) remains; the next record still gets offset 4.
        Assert.Equal(["00000000000000000003.log"], harness.SegmentFiles());
        Assert.Equal(1, harness.Partition().SegmentCount);
        Assert.Equal(3, harness.QueryWatermarks().Low.Value);
        await harness.ProduceAsync(1, age: TimeSpan.Zero);
        Assert.Equal(5, harness.QueryWatermarks().High.Value);
    }

    [Fact]
    public async Task RetentionCheck_RecordsYoungerThanRetention_DeletesNothing()
    {
        // Arrange
        var ct = TestContext.Current.CancellationToken;
        await using var harness = await RetentionHarness.StartAsync(o => o.Retention = TimeSpan.FromHours(1), partitions: 1, ct);
        await harness.ProduceAsync(3, age: TimeSpan.FromMinutes(50));

        // Act: nine minutes later the newest record of each segment is 59 minutes old.
        harness.Clock.Advance(TimeSpan.FromMinutes(8));
        harness.RunRetentionCheck();

        // Assert
        Assert.Equal(3, harness.SegmentFiles().Count);
        Assert.Equal(0, harness.QueryWatermarks().Low.Value);
    }

    [Fact]
    public async Task RetentionCheck_LogLargerThanRetentionBytes_KeepsTheNewestSegmentsHoldingAtLeastTheLimit()
    {
        // Arrange: ten equal segments, a limit of two and a half of them, no time limit.
        var ct = TestContext.Current.CancellationToken;
        const int Segments = 10;
        long segmentSize = 0;
        await using var harness = await RetentionHarness.StartAsync(
            o =>
            {
                o.Retention = Timeout.InfiniteTimeSpan;
                o.RetentionBytes = 300;
            },
            partitions: 1,
            ct);
        await harness.ProduceAsync(Segments, age: TimeSpan.FromDays(30));
        segmentSize = harness.Partition().Size / Segments;
        Assert.Equal(Segments * segmentSize, harness.Partition().Size); // every batch the same size
        var kept = (int)Math.Ceiling(300.0 / segmentSize);

        // Act
        harness.RunRetentionCheck();

        // Assert: as Kafka, a segment goes only while what remains still holds the limit.
        Assert.Equal(kept, harness.SegmentFiles().Count);
        Assert.Equal(Segments - kept, harness.QueryWatermarks().Low.Value);
        Assert.Equal(kept * segmentSize, harness.Partition().Size);
        Assert.True(harness.Partition().Size >= 300);
    }

    [Fact]
    public async Task RetentionCheck_RetentionBytesZero_DeletesAllButTheActiveSegment()
    {
        // Arrange
        var ct = TestContext.Current.CancellationToken;
        await using var harness = await RetentionHarness.StartAsync(o => o.RetentionBytes = 0, partitions: 1, ct);
        await harness.ProduceAsync(3, age: TimeSpan.Zero);

        // Act
        harness.RunRetentionCheck();

        // Assert
        Assert.Equal(["00000000000000000002.log"], harness.SegmentFiles());
        Assert.Equal(2, harness.QueryWatermarks().Low.Value);
    }

    [Fact]
    public async Task RetentionCheck_TopicCreatedWithRetentionMs_FollowsTheTopicsSettingOverTheBrokers()
    {
        // Arrange: the broker keeps records forever; the topic asks for an hour (Kafka's topic-level override).
        var ct = TestContext.Current.CancellationToken;
        await using var harness = await RetentionHarness.StartAsync(
            o => o.Retention = Timeout.InfiniteTimeSpan, partitions: 1, ct, new Dictionary<string, string> { ["retention.ms"] = "3600000" });
        await harness.ProduceAsync(2, age: TimeSpan.FromHours(2));
        await harness.ProduceAsync(1, age: TimeSpan.Zero);

        // Act
        harness.RunRetentionCheck();

        // Assert
        Assert.Equal(["00000000000000000002.log"], harness.SegmentFiles());
        Assert.Equal(2, harness.QueryWatermarks().Low.Value);
    }

    [Fact]
    public async Task CreateTopicsAsync_InvalidRetentionConfig_FailsWithInvalidConfig()
    {
        // Arrange
        var ct = TestContext.Current.CancellationToken;
        await using var harness = await RetentionHarness.StartAsync(_ => { }, partitions: 1, ct);
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = harness.Broker.BootstrapServers }).Build();

        // Act
        var error = await Assert.ThrowsAsync<CreateTopicsException>(() => admin.CreateTopicsAsync(
        [
            new TopicSpecification
            {
                Name = harness.Topic + "-bad", NumPartitions = 1, ReplicationFactor = 1,
                Configs = new Dictionary<string, string> { ["retention.bytes"] = "-7" },
            },
        ]));

        // Assert
        var result = Assert.Single(error.Results);
        Assert.Equal(ErrorCode.InvalidConfig, result.Error.Code);
        Assert.Contains("retention.bytes", result.Error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RetentionCheck_BeforeTheIntervalElapsed_DoesNotRun()
    {
        // Arrange
        var ct = TestContext.Current.CancellationToken;
        await using var harness = await RetentionHarness.StartAsync(o => o.RetentionBytes = 0, partitions: 1, ct);
        await harness.ProduceAsync(3, age: TimeSpan.Zero);

        // Act
        harness.Clock.Advance(RetentionHarness.CheckInterval - TimeSpan.FromMilliseconds(1));

        // Assert: nothing deleted until the check is due, then everything it allows.
        Assert.Equal(3, harness.SegmentFiles().Count);
        harness.Clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Single(harness.SegmentFiles());
    }

    [Fact]
    public async Task Append_RecordMoreThanSegmentRollAfterTheSegmentsFirst_StartsANewSegment()
    {
        // Arrange: big segments, rolled once a record is more than ten minutes newer than the segment's first (Kafka's rule).
        var ct = TestContext.Current.CancellationToken;
        await using var harness = await RetentionHarness.StartAsync(
            o =>
            {
                o.SegmentBytes = 1024 * 1024;
                o.SegmentRoll = TimeSpan.FromMinutes(10);
            },
            partitions: 1,
            ct);
        await harness.ProduceAsync(3, age: TimeSpan.Zero);

        // Act: exactly ten minutes later the segment is not yet due; a millisecond more and it is.
        harness.Clock.Advance(TimeSpan.FromMinutes(10));
        await harness.ProduceAsync(1, age: TimeSpan.Zero);
        harness.Clock.Advance(TimeSpan.FromMilliseconds(1));
        await harness.ProduceAsync(1, age: TimeSpan.Zero);

        // Assert: the first four records share a segment; the fifth starts the next one.
        Assert.Equal(["00000000000000000000.log", "00000000000000000004.log"], harness.SegmentFiles());
    }
}
