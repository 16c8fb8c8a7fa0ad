using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Pipeline.Azurite;
using Pipeline.StreamProcessor.Storage;

namespace Pipeline.Tests.Storage;

/// <summary>The storage contract against Azure Blob Storage (a real Azurite), plus what only object storage does.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class BlobStorageTests(AzuriteFixture azurite) : RunStorageContractTests
{
    private readonly AzuriteFixture _azurite = azurite;

    protected override async Task<IRunStorage> CreateSutAsync(CancellationToken cancellationToken)
    {
        BlobContainerClient container = await _azurite.CreateContainerAsync(cancellationToken);
        return new BlobStorage(container, "run_test");
    }

    [Fact]
    public async Task WriteAsync_ExistingBlobWithOtherBytes_ThrowsDifferentContentAndKeepsTheFirst()
    {
        // Arrange
        CancellationToken ct = TestContext.Current.CancellationToken;
        IRunStorage sut = await CreateSutAsync(ct).WaitAsync(s_timeout, ct);
        await WriteTextAsync(sut, "aggregates/part-events-p0-o00000000000000000000.parquet", "batch [0, 10)", ct);

        // Act: a zombie writing another batch under the same deterministic name
        var e = await Assert.ThrowsAsync<StorageConflictException>(
            () => WriteTextAsync(sut, "aggregates/part-events-p0-o00000000000000000000.parquet", "batch [0, 12)", ct));

        // Assert
        Assert.Equal(StorageConflict.DifferentContent, e.Conflict);
        Assert.Equal("batch [0, 10)", await ReadTextAsync(sut, "aggregates/part-events-p0-o00000000000000000000.parquet", ct));
    }

    [Fact]
    public async Task WriteAsync_ObjectOfSeveralBlocksOverOneWithOtherBytes_ThrowsDifferentContentAndKeepsTheFirst()
    {
        // Arrange: a compacted file of three blocks, then a zombie's of the same length with one byte changed
        CancellationToken ct = TestContext.Current.CancellationToken;
        IRunStorage sut = await CreateSutAsync(ct).WaitAsync(s_timeout, ct);
        byte[] first = new byte[(2 * BlobStorage.BlockSize) + 1];
        new Random(3).NextBytes(first);
        byte[] other = (byte[])first.Clone();
        other[^1] ^= 0xFF;
        const string Name = "aggregates/part-events-p0-o00000000000000000000-c00000000000000000100.parquet";
        await sut.WriteAsync(Name, first, static (s, c, t) => s.WriteAsync(c, t).AsTask(), ct).WaitAsync(s_timeout, ct);

        // Act
        var e = await Assert.ThrowsAsync<StorageConflictException>(
            () => sut.WriteAsync(Name, other, static (s, c, t) => s.WriteAsync(c, t).AsTask(), ct).WaitAsync(s_timeout, ct));

        // Assert
        Assert.Equal(StorageConflict.DifferentContent, e.Conflict);
        Assert.NotNull(e.Existing);
        var stored = (await sut.ReadAsync(Name, ct))!.Content.ToArray();
        Assert.Equal(first, stored);
    }

    [Fact]
    public async Task WriteAsync_ReplayOverABlobWithoutContentMd5_ComparesTheBytes()
    {
        // Arrange: a blob committed as a block list, which stores no Content-MD5
        CancellationToken ct = TestContext.Current.CancellationToken;
        BlobContainerClient container = await _azurite.CreateContainerAsync(ct).WaitAsync(s_timeout, ct);
        var sut = new BlobStorage(container, "run_test");
        var blocks = container.GetBlockBlobClient("run_test/aggregates/part-events-p0-o00000000000000000000.parquet");
        string blockId = Convert.ToBase64String("block-0"u8.ToArray());
        using (var block = new MemoryStream(Bytes("batch [0, 10)")))
        {
            await blocks.StageBlockAsync(blockId, block, cancellationToken: ct).WaitAsync(s_timeout, ct);
        }

        await blocks.CommitBlockListAsync([blockId], cancellationToken: ct).WaitAsync(s_timeout, ct);
        BlobProperties before = (await blocks.GetPropertiesAsync(cancellationToken: ct).WaitAsync(s_timeout, ct)).Value;

        // Act
        long same = await WriteTextAsync(sut, "aggregates/part-events-p0-o00000000000000000000.parquet", "batch [0, 10)", ct);
        var other = await Assert.ThrowsAsync<StorageConflictException>(
            () => WriteTextAsync(sut, "aggregates/part-events-p0-o00000000000000000000.parquet", "batch [0, 11)", ct));

        // Assert
        Assert.True(before.ContentHash is null or { Length: 0 }, "the arrangement should store no Content-MD5");
        Assert.Equal(Bytes("batch [0, 10)").Length, same);
        Assert.Equal(StorageConflict.DifferentContent, other.Conflict);
    }

    [Fact]
    public async Task AnyOperation_WithAWrongAccountKey_ThrowsStorageAccessExceptionNamingTheAccountButNoKey()
    {
        // Arrange
        CancellationToken ct = TestContext.Current.CancellationToken;
        BlobContainerClient container = await _azurite.CreateContainerAsync(ct).WaitAsync(s_timeout, ct);
        var sut = BlobStorage.FromConnectionString(_azurite.WrongKeyConnectionString, container.Name, "run_test");

        // Act
        var write = await Assert.ThrowsAsync<StorageAccessException>(
            () => WriteTextAsync(sut, "aggregates/part-events-p0-o00000000000000000000.parquet", "x", ct));
        var read = await Assert.ThrowsAsync<StorageAccessException>(
            () => sut.ReadAsync("_checkpoints/events-p0.json", ct).WaitAsync(s_timeout, ct));
        var create = await Assert.ThrowsAsync<StorageAccessException>(
            () => sut.EnsureReadyAsync(ct).WaitAsync(s_timeout, ct));

        // Assert
        foreach (var e in new[] { write, read, create })
        {
            Assert.Contains("refused access", e.Message, StringComparison.Ordinal);
            Assert.Contains(AzuriteServer.AccountName, e.Message, StringComparison.Ordinal);
            Assert.Contains("403", e.Message, StringComparison.Ordinal);
            Assert.Contains("connection string", e.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("AccountKey", e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task FromConnectionString_WithAspiresContainerNameEntry_UsesThatContainer()
    {
        // Arrange
        CancellationToken ct = TestContext.Current.CancellationToken;
        BlobContainerClient container = await _azurite.CreateContainerAsync(ct).WaitAsync(s_timeout, ct);
        var sut = BlobStorage.FromConnectionString(_azurite.ConnectionString + "ContainerName=" + container.Name, null, "run_test");

        // Act
        await WriteTextAsync(sut, "_checkpoints/events-p0.json", "next 0", ct);

        // Assert
        Assert.Equal(container.Name, sut.Container.Name);
        Assert.True((await container.GetBlobClient("run_test/_checkpoints/events-p0.json").ExistsAsync(ct).WaitAsync(s_timeout, ct)).Value);
    }

    [Fact]
    public async Task ListAsync_TwoRunsInOneContainer_SeeOnlyTheirOwnObjects()
    {
        // Arrange
        CancellationToken ct = TestContext.Current.CancellationToken;
        BlobContainerClient container = await _azurite.CreateContainerAsync(ct).WaitAsync(s_timeout, ct);
        var runA = new BlobStorage(container, "run_a");
        var runAb = new BlobStorage(container, "run_ab");
        await WriteTextAsync(runA, "_checkpoints/events-p0.json", "a", ct);
        await WriteTextAsync(runAb, "_checkpoints/events-p0.json", "ab", ct);

        // Act
        List<string> inA = await ListSortedAsync(runA, "", ct);

        // Assert: "run_a" is not a prefix of "run_ab/…" once the separator is part of it
        Assert.Equal(["_checkpoints/events-p0.json"], inA);
        Assert.Equal("a", await ReadTextAsync(runA, "_checkpoints/events-p0.json", ct));
        Assert.EndsWith("/run_a/_checkpoints/events-p0.json", runA.Locate("_checkpoints/events-p0.json"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task WriteAsync_IdenticalReplayOfAnotherWriter_HasNoVersionOfItsOwnAndTheUploaderCanNoLongerDeleteIt()
    {
        // Arrange: a zombie uploaded the file; the partition's owner writes the same bytes under the same name.
        CancellationToken ct = TestContext.Current.CancellationToken;
        IRunStorage sut = await CreateSutAsync(ct);
        const string Name = "events/id=1/part-events-p0-o00000000000000000000.parquet";
        WrittenObject zombies = await WriteTextVersionedAsync(sut, Name, "batch [0, 2)", ct);

        // Act
        WrittenObject owners = await WriteTextVersionedAsync(sut, Name, "batch [0, 2)", ct);
        bool deletedByTheZombie = await sut.DeleteIfMatchAsync(Name, zombies.Version!.Value, ct);

        // Assert
        Assert.NotNull(zombies.Version);
        Assert.Null(owners.Version);
        Assert.False(deletedByTheZombie);
        Assert.Equal("batch [0, 2)", await ReadTextAsync(sut, Name, ct));
    }
}
