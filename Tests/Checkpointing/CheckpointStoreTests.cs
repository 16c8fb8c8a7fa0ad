using Pipeline.StreamProcessor.Checkpointing;
using Pipeline.StreamProcessor.Storage;
using Pipeline.StreamProcessor.Windowing;

namespace Pipeline.Tests.Checkpointing;

public sealed class CheckpointStoreTests : IDisposable
{
    private const string Topic = "events";
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);
    private static readonly DateTime s_t0 = new(2025, 3, 1, 12, 0, 0, DateTimeKind.Utc);

    private readonly TempOutputDirectory _output = new();
    private readonly TestRun _run;
    private readonly CheckpointStore _sut;

    public CheckpointStoreTests()
    {
        _run = TestRun.Local(_output.Path);
        _sut = _run.Checkpoints;
    }

    private string CheckpointsDirectory => _run.PathOf(OutputLayout.CheckpointsFolder);

    public void Dispose() => _output.Dispose();

    [Fact]
    public async Task SaveAsync_ThenLoadAsync_RoundTripsEveryFieldAndOpenWindow()
    {
        // Arrange
        CancellationToken ct = TestContext.Current.CancellationToken;
        WindowAggregate[] windows =
        [
            new(s_t0, s_t0.AddSeconds(10), 1, 3, 4.5, -1.25, 3.0),
            new(s_t0.AddSeconds(10), s_t0.AddSeconds(20), 2, 1, 0.1 + 0.2, 0.1 + 0.2, 0.1 + 0.2),
            new(s_t0.AddSeconds(10), s_t0.AddSeconds(20), 3, 2, double.PositiveInfinity, 1.7976931348623157E+308, double.MaxValue),
        ];
        var checkpoint = new PartitionCheckpoint(
            Topic, 2, NextOffset: 1_234_567, s_t0.AddTicks(123_4567), s_t0.AddSeconds(-30), windows, LateEvents: 42);

        // Act
        await _run.SaveCheckpointAsync(checkpoint, ct).WaitAsync(s_timeout, ct);
        PartitionCheckpoint? loaded = await _sut.LoadAsync(Topic, 2, ct).WaitAsync(s_timeout, ct);

        // Assert
        Assert.NotNull(loaded);
        Assert.Equal(checkpoint with { OpenWindows = loaded.OpenWindows }, loaded);
        Assert.Equal(windows, loaded.OpenWindows);
        Assert.Equal(DateTimeKind.Utc, loaded.MaxEventTime!.Value.Kind);
        Assert.Equal(DateTimeKind.Utc, loaded.Watermark!.Value.Kind);
        Assert.All(loaded.OpenWindows, w => Assert.Equal(DateTimeKind.Utc, w.WindowStart.Kind));
        Assert.Equal(PartitionCheckpoint.CurrentVersion, loaded.Version);
    }

    [Fact]
    public async Task SaveAsync_ThenLoadAsync_RoundTripsNullTimesAndNoWindows()
    {
        // Arrange
        CancellationToken ct = TestContext.Current.CancellationToken;
        var checkpoint = new PartitionCheckpoint(Topic, 0, NextOffset: 0, MaxEventTime: null, Watermark: null, [], LateEvents: 0);

        // Act
        await _run.SaveCheckpointAsync(checkpoint, ct).WaitAsync(s_timeout, ct);
        PartitionCheckpoint? loaded = await _sut.LoadAsync(Topic, 0, ct).WaitAsync(s_timeout, ct);

        // Assert
        Assert.NotNull(loaded);
        Assert.Null(loaded.MaxEventTime);
        Assert.Null(loaded.Watermark);
        Assert.Empty(loaded.OpenWindows);
        Assert.Equal(0, loaded.NextOffset);
    }

    [Fact]
    public async Task LoadAsync_NeverSaved_ReturnsNull()
    {
        // Arrange
        CancellationToken ct = TestContext.Current.CancellationToken;

        // Act
        PartitionCheckpoint? loaded = await _sut.LoadAsync(Topic, 5, ct).WaitAsync(s_timeout, ct);

        // Assert
        Assert.Null(loaded);
    }

    [Fact]
    public async Task SaveAsync_OverExistingCheckpoint_ReplacesItAndLeavesNoTemporaryFile()
    {
        // Arrange
        CancellationToken ct = TestContext.Current.CancellationToken;
        await _run.SaveCheckpointAsync(new PartitionCheckpoint(Topic, 1, 10, null, null, [], 0), ct).WaitAsync(s_timeout, ct);

        // Act
        await _run.SaveCheckpointAsync(new PartitionCheckpoint(Topic, 1, 20, s_t0, s_t0, [], 3), ct).WaitAsync(s_timeout, ct);

        // Assert: beside the checkpoint only the lock conditional saves take, no temporary file
        Assert.Equal(["events-p1.json"], Directory.GetFiles(CheckpointsDirectory).Select(Path.GetFileName).Where(n => n != ".events-p1.json.lock"));
        PartitionCheckpoint? loaded = await _sut.LoadAsync(Topic, 1, ct).WaitAsync(s_timeout, ct);
        Assert.Equal(20, loaded?.NextOffset);
        Assert.Equal(3, loaded?.LateEvents);
    }

    [Fact]
    public async Task SaveAsync_Always_WritesCamelCaseJsonWithoutDerivedFields()
    {
        // Arrange
        CancellationToken ct = TestContext.Current.CancellationToken;
        WindowAggregate[] windows = [new(s_t0, s_t0.AddSeconds(10), 1, 2, 3.0, 1.0, 2.0)];

        // Act
        await _run.SaveCheckpointAsync(new PartitionCheckpoint(Topic, 1, 10, s_t0, s_t0, windows, 0), ct).WaitAsync(s_timeout, ct);

        // Assert
        string json = await File.ReadAllTextAsync(Path.Combine(CheckpointsDirectory, "events-p1.json"), ct);
        Assert.Contains("\"nextOffset\": 10", json, StringComparison.Ordinal);
        Assert.Contains("\"version\": 1", json, StringComparison.Ordinal);
        Assert.Contains("\"windowStart\": \"2025-03-01T12:00:00Z\"", json, StringComparison.Ordinal);
        Assert.DoesNotContain("average", json, StringComparison.OrdinalIgnoreCase);
    }

    public static TheoryData<string, string> CorruptFiles => new()
    {
        { "empty", "" },
        { "truncated", """{"topic": "events", "partition": 1, "nextOffset": 1""" },
        { "json null", "null" },
        { "not json", "\0\0\0garbage" },
        { "missing next offset", """{"topic":"events","partition":1,"maxEventTime":null,"watermark":null,"openWindows":[],"lateEvents":0,"version":1}""" },
        { "missing version", """{"topic":"events","partition":1,"nextOffset":5,"maxEventTime":null,"watermark":null,"openWindows":[],"lateEvents":0}""" },
        { "null topic", """{"topic":null,"partition":1,"nextOffset":5,"maxEventTime":null,"watermark":null,"openWindows":[],"lateEvents":0,"version":1}""" },
        { "null windows", """{"topic":"events","partition":1,"nextOffset":5,"maxEventTime":null,"watermark":null,"openWindows":null,"lateEvents":0,"version":1}""" },
        { "window missing a field", """{"topic":"events","partition":1,"nextOffset":5,"maxEventTime":null,"watermark":null,"openWindows":[{"windowStart":"2025-03-01T12:00:00Z"}],"lateEvents":0,"version":1}""" },
        { "wrong type", """{"topic":"events","partition":1,"nextOffset":"five","maxEventTime":null,"watermark":null,"openWindows":[],"lateEvents":0,"version":1}""" },
        { "future version", """{"topic":"events","partition":1,"nextOffset":5,"maxEventTime":null,"watermark":null,"openWindows":[],"lateEvents":0,"version":2}""" },
        { "other partition", """{"topic":"events","partition":7,"nextOffset":5,"maxEventTime":null,"watermark":null,"openWindows":[],"lateEvents":0,"version":1}""" },
        { "negative offset", """{"topic":"events","partition":1,"nextOffset":-5,"maxEventTime":null,"watermark":null,"openWindows":[],"lateEvents":0,"version":1}""" },
    };

    [Theory]
    [MemberData(nameof(CorruptFiles))]
    public async Task LoadAsync_CorruptFile_ThrowsNamingTheFile(string scenario, string content)
    {
        // Arrange
        CancellationToken ct = TestContext.Current.CancellationToken;
        Directory.CreateDirectory(CheckpointsDirectory);
        string path = Path.Combine(CheckpointsDirectory, "events-p1.json");
        await File.WriteAllTextAsync(path, content, ct);

        // Act
        var error = await Assert.ThrowsAsync<CorruptCheckpointException>(
            () => _sut.LoadAsync(Topic, 1, ct).WaitAsync(s_timeout, ct));

        // Assert
        Assert.Equal(path, error.FilePath);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(scenario));
    }

    [Fact]
    public async Task LoadAsync_ValidHandWrittenFile_Loads()
    {
        // Arrange: the positive twin of the corrupt cases, so they fail for the reason they name.
        CancellationToken ct = TestContext.Current.CancellationToken;
        Directory.CreateDirectory(CheckpointsDirectory);
        await File.WriteAllTextAsync(
            Path.Combine(CheckpointsDirectory, "events-p1.json"),
            """{"topic":"events","partition":1,"nextOffset":5,"maxEventTime":null,"watermark":null,"openWindows":[{"windowStart":"2025-03-01T12:00:00Z","windowEnd":"2025-03-01T12:00:10Z","id":4,"count":1,"sum":2.5,"min":2.5,"max":2.5}],"lateEvents":0,"version":1}""",
            ct);

        // Act
        PartitionCheckpoint? loaded = await _sut.LoadAsync(Topic, 1, ct).WaitAsync(s_timeout, ct);

        // Assert
        Assert.NotNull(loaded);
        Assert.Equal(5, loaded.NextOffset);
        Assert.Equal([new WindowAggregate(s_t0, s_t0.AddSeconds(10), 4, 1, 2.5, 2.5, 2.5)], loaded.OpenWindows);
    }
}
