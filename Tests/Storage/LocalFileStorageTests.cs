using Pipeline.StreamProcessor.Storage;

namespace Pipeline.Tests.Storage;

/// <summary>The storage contract against a local folder, plus what only a folder does.</summary>
public sealed class LocalFileStorageTests : RunStorageContractTests, IDisposable
{
    private readonly TempOutputDirectory _output = new();

    public void Dispose() => _output.Dispose();

    protected override Task<IRunStorage> CreateSutAsync(CancellationToken cancellationToken) =>
        Task.FromResult(TestRun.Local(_output.Path).Storage);

    [Fact]
    public void Locate_TheRunsRelativeNames_AreTheLayoutsPaths()
    {
        // Arrange
        string run = Path.Combine(_output.Path, "run_test");
        var sut = LocalFileStorage.ForRun(_output.Path, "test");

        // Act / Assert
        Assert.Equal(Path.Combine(run, "events", "id=7", "part-events-p2-o00000000000000000042.parquet"),
            sut.Locate("events/id=7/" + OutputLayout.BatchFileName("events", 2, 42)));
        Assert.Equal(Path.Combine(run, "aggregates", "part-events-p2-o00000000000000000042.parquet"),
            sut.Locate("aggregates/" + OutputLayout.BatchFileName("events", 2, 42)));
        Assert.Equal(Path.Combine(run, "_checkpoints", "events-p2.json"), sut.Locate("_checkpoints/events-p2.json"));
        Assert.Equal(Path.Combine(run, "_checkpoints", "_run.json"), sut.Locate("_checkpoints/" + OutputLayout.RunManifestFileName));
    }

    [Fact]
    public async Task WriteAsync_ExistingFileWithOtherBytes_ReplacesItByRename()
    {
        // Arrange
        CancellationToken ct = TestContext.Current.CancellationToken;
        IRunStorage sut = await CreateSutAsync(ct);
        await WriteTextAsync(sut, "aggregates/part-events-p0-o00000000000000000000.parquet", "before", ct);

        // Act
        await WriteTextAsync(sut, "aggregates/part-events-p0-o00000000000000000000.parquet", "after", ct);

        // Assert: today's semantics, the folder's last writer wins and no temporary file is left
        Assert.Equal("after", await ReadTextAsync(sut, "aggregates/part-events-p0-o00000000000000000000.parquet", ct));
        string aggregates = Path.GetDirectoryName(sut.Locate("aggregates/part-events-p0-o00000000000000000000.parquet"))!;
        Assert.Equal(["part-events-p0-o00000000000000000000.parquet"], Directory.GetFiles(aggregates).Select(Path.GetFileName));
    }

    [Fact]
    public async Task ListAsync_TemporaryFilesAndLocks_AreNotListed()
    {
        // Arrange
        CancellationToken ct = TestContext.Current.CancellationToken;
        IRunStorage sut = await CreateSutAsync(ct);
        ObjectVersion version = await sut.CreateIfAbsentAsync("_checkpoints/events-p0.json", Bytes("next 0"), ct).WaitAsync(s_timeout, ct);
        await sut.ReplaceIfMatchAsync("_checkpoints/events-p0.json", Bytes("next 1"), version, ct).WaitAsync(s_timeout, ct);
        string checkpoints = Path.GetDirectoryName(sut.Locate("_checkpoints/events-p0.json"))!;
        await File.WriteAllTextAsync(Path.Combine(checkpoints, ".events-p1.json.tmp"), "a save that died", ct);

        // Act
        List<string> names = await ListSortedAsync(sut, "_checkpoints/", ct);

        // Assert
        Assert.Equal(["_checkpoints/events-p0.json"], names);
        Assert.Contains(".events-p0.json.lock", Directory.GetFiles(checkpoints).Select(Path.GetFileName));
    }
}
