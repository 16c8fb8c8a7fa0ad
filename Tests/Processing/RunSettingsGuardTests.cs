using Microsoft.Extensions.Options;
using Pipeline.StreamProcessor.Checkpointing;
using Pipeline.StreamProcessor.Processing;
using Pipeline.StreamProcessor.Storage;
using Pipeline.StreamProcessor.Windowing;
using Pipeline.Tests.Sinks;

namespace Pipeline.Tests.Processing;

/// <summary>The run manifest: written once by a fresh run, compared by every later start, refused when missing from an old run.</summary>
public sealed class RunSettingsGuardTests : IDisposable
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);
    private readonly TempOutputDirectory _output = new();
    private readonly TestRun _run;
    private readonly CheckpointStore _store;

    public RunSettingsGuardTests()
    {
        _run = TestRun.Local(_output.Path);
        _store = _run.Checkpoints;
    }

    private string ManifestPath => _run.PathOf(OutputLayout.RunManifestName);

    public void Dispose() => _output.Dispose();

    [Fact]
    public async Task EnsureAsync_FreshRun_WritesTheManifestWithEveryMemberAndNoTemporaryFile()
    {
        // Arrange
        var ct = TestContext.Current.CancellationToken;
        var sut = Guard(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(30));

        // Act
        await sut.EnsureAsync(ct).WaitAsync(s_timeout, ct);

        // Assert
        var json = await File.ReadAllTextAsync(ManifestPath, ct);
        Assert.Contains("\"windowSize\": \"00:00:10\"", json, StringComparison.Ordinal);
        Assert.Contains("\"watermarkDelay\": \"00:00:30\"", json, StringComparison.Ordinal);
        Assert.Contains("\"version\": 1", json, StringComparison.Ordinal);
        Assert.Equal(["_run.json"], Directory.GetFiles(Path.GetDirectoryName(ManifestPath)!).Select(Path.GetFileName).Where(n => n != "._run.json.lock"));
    }

    [Fact]
    public async Task EnsureAsync_SameSettingsAgain_Passes()
    {
        // Arrange
        var ct = TestContext.Current.CancellationToken;
        await Guard(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(30)).EnsureAsync(ct).WaitAsync(s_timeout, ct);
        var before = await File.ReadAllTextAsync(ManifestPath, ct);

        // Act
        await Guard(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(30)).EnsureAsync(ct).WaitAsync(s_timeout, ct);

        // Assert
        Assert.Equal(before, await File.ReadAllTextAsync(ManifestPath, ct));
    }

    [Fact]
    public async Task EnsureAsync_BothSettingsDiffer_NamesBothAndKeepsTheManifest()
    {
        // Arrange
        var ct = TestContext.Current.CancellationToken;
        await Guard(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(30)).EnsureAsync(ct).WaitAsync(s_timeout, ct);
        var before = await File.ReadAllTextAsync(ManifestPath, ct);

        // Act
        var error = await Assert.ThrowsAsync<RunSettingsMismatchException>(
            () => Guard(TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(1)).EnsureAsync(ct).WaitAsync(s_timeout, ct));

        // Assert
        Assert.Contains("Run 'test' was written with Pipeline:Windowing:WindowSize 00:00:10; this start has 00:00:05.", error.Message, StringComparison.Ordinal);
        Assert.Contains("Run 'test' was written with Pipeline:Windowing:WatermarkDelay 00:00:30; this start has 00:01:00.", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, await File.ReadAllTextAsync(ManifestPath, ct));
    }

    [Fact]
    public async Task EnsureAsync_CheckpointsWithoutManifest_RefusesAndExplainsHowToAdoptTheRun()
    {
        // Arrange: a run checkpointed before the manifest existed.
        var ct = TestContext.Current.CancellationToken;
        await _run.SaveCheckpointAsync(new PartitionCheckpoint("events", 0, 10, null, null, [], 0), ct).WaitAsync(s_timeout, ct);

        // Act
        var error = await Assert.ThrowsAsync<RunSettingsMismatchException>(
            () => Guard(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(30)).EnsureAsync(ct).WaitAsync(s_timeout, ct));

        // Assert
        Assert.Contains("Run 'test' has checkpoints written before its window settings were stored", error.Message, StringComparison.Ordinal);
        Assert.Contains("Pipeline:Output:RunId (RUN_ID)", error.Message, StringComparison.Ordinal);
        Assert.Contains(ManifestPath, error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(ManifestPath));
    }

    [Theory]
    [InlineData("""{ "windowSize": "00:00:10", "version": 1 }""")]
    [InlineData("""{ "windowSize": "00:00:10", "watermarkDelay": "00:00:30" }""")]
    [InlineData("""{ "windowSize": "00:00:10", "watermarkDelay": "00:00:30", "version": 2 }""")]
    [InlineData("null")]
    [InlineData("{")]
    public async Task EnsureAsync_DamagedManifest_RefusesAsCorrupt(string json)
    {
        // Arrange
        var ct = TestContext.Current.CancellationToken;
        Directory.CreateDirectory(Path.GetDirectoryName(ManifestPath)!);
        await File.WriteAllTextAsync(ManifestPath, json, ct);

        // Act
        var error = await Assert.ThrowsAsync<CorruptCheckpointException>(
            () => Guard(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(30)).EnsureAsync(ct).WaitAsync(s_timeout, ct));

        // Assert
        Assert.Equal(ManifestPath, error.FilePath);
        Assert.Equal(json, await File.ReadAllTextAsync(ManifestPath, ct));
    }

    [Fact]
    public async Task TryCreateRunManifestAsync_ManyAtOnce_ExactlyOneWins()
    {
        // Arrange
        var ct = TestContext.Current.CancellationToken;
        var manifests = Enumerable.Range(1, 8).Select(s => new RunManifest(TimeSpan.FromSeconds(s), TimeSpan.Zero)).ToList();

        // Act
        var created = await Task.WhenAll(manifests.Select(m => Task.Run(() => _store.TryCreateRunManifestAsync(m, ct), ct))).WaitAsync(s_timeout, ct);

        // Assert
        Assert.Single(created, c => c);
        var stored = await _store.LoadRunManifestAsync(ct);
        Assert.Equal(manifests[Array.IndexOf(created, true)], stored);
        Assert.Equal(["_run.json"], Directory.GetFiles(Path.GetDirectoryName(ManifestPath)!).Select(Path.GetFileName).Where(n => n != "._run.json.lock"));
    }

    private RunSettingsGuard Guard(TimeSpan windowSize, TimeSpan watermarkDelay) => new(
        _store,
        SinkTestData.Options(_output.Path),
        Options.Create(new WindowingOptions { WindowSize = windowSize, WatermarkDelay = watermarkDelay }));
}
