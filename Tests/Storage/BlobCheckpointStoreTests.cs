using Pipeline.StreamProcessor.Checkpointing;
using Pipeline.StreamProcessor.Storage;

namespace Pipeline.Tests.Storage;

/// <summary>
/// Checkpoints in Azure Blob Storage (a real Azurite): a processor that lost its partition without noticing (the
/// zombie) cannot overwrite the checkpoint the new owner wrote, because its save carries the ETag it last saw.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class BlobCheckpointStoreTests(AzuriteFixture azurite)
{
    private const string Topic = "events";
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);
    private readonly AzuriteFixture _azurite = azurite;

    private async Task<IRunStorage> CreateStorageAsync(CancellationToken cancellationToken) =>
        new BlobStorage(await _azurite.CreateContainerAsync(cancellationToken), "run_zombie");

    private static CheckpointStore Store(IRunStorage storage) => new(storage);

    private static PartitionCheckpoint At(long nextOffset) => new(Topic, 0, nextOffset, null, null, [], 0);

    [Fact]
    public async Task SaveAsync_AfterTheNewOwnerReplacedTheCheckpoint_IsRefusedAndTheNewOwnersCheckpointStays()
    {
        // Arrange: the zombie saved at 10; the new owner loaded that and saved at 20.
        CancellationToken ct = TestContext.Current.CancellationToken;
        IRunStorage storage = await CreateStorageAsync(ct).WaitAsync(s_timeout, ct);
        CheckpointStore zombie = Store(storage);
        CheckpointStore owner = Store(storage);
        ObjectVersion zombieVersion = await zombie.SaveAsync(At(10), expected: null, ct).WaitAsync(s_timeout, ct);
        VersionedCheckpoint? loaded = await owner.LoadVersionedAsync(Topic, 0, ct).WaitAsync(s_timeout, ct);
        Assert.Equal((10L, zombieVersion), (loaded?.Checkpoint.NextOffset, loaded?.Version));
        await owner.SaveAsync(At(20), loaded!.Version, ct).WaitAsync(s_timeout, ct);

        // Act
        var error = await Assert.ThrowsAsync<CheckpointConflictException>(
            () => zombie.SaveAsync(At(15), zombieVersion, ct).WaitAsync(s_timeout, ct));

        // Assert
        Assert.Equal((Topic, 0), (error.Topic, error.Partition));
        Assert.Equal(StorageConflict.VersionMismatch, Assert.IsType<StorageConflictException>(error.InnerException).Conflict);
        Assert.Equal(20, (await owner.LoadAsync(Topic, 0, ct).WaitAsync(s_timeout, ct))?.NextOffset);
    }

    [Fact]
    public async Task SaveAsync_FirstSaveWhenTheNewOwnerAlreadyCreatedOne_IsRefused()
    {
        // Arrange: the zombie's lane found no checkpoint; the new owner created one since.
        CancellationToken ct = TestContext.Current.CancellationToken;
        IRunStorage storage = await CreateStorageAsync(ct).WaitAsync(s_timeout, ct);
        await Store(storage).SaveAsync(At(30), expected: null, ct).WaitAsync(s_timeout, ct);

        // Act
        var error = await Assert.ThrowsAsync<CheckpointConflictException>(
            () => Store(storage).SaveAsync(At(5), expected: null, ct).WaitAsync(s_timeout, ct));

        // Assert
        Assert.Equal(StorageConflict.AlreadyExists, Assert.IsType<StorageConflictException>(error.InnerException).Conflict);
        Assert.Equal(30, (await Store(storage).LoadAsync(Topic, 0, ct).WaitAsync(s_timeout, ct))?.NextOffset);
    }

    [Fact]
    public async Task SaveAsync_RetryOfASaveThatLanded_CountsAsSavedWithTheStoredVersion()
    {
        // Arrange: a save landed but its reply was lost, so the lane still holds the version before it.
        CancellationToken ct = TestContext.Current.CancellationToken;
        IRunStorage storage = await CreateStorageAsync(ct).WaitAsync(s_timeout, ct);
        CheckpointStore sut = Store(storage);
        ObjectVersion before = await sut.SaveAsync(At(10), expected: null, ct).WaitAsync(s_timeout, ct);
        ObjectVersion landed = await sut.SaveAsync(At(20), before, ct).WaitAsync(s_timeout, ct);

        // Act
        ObjectVersion retried = await sut.SaveAsync(At(20), before, ct).WaitAsync(s_timeout, ct);

        // Assert
        Assert.Equal(landed, retried);
        Assert.Equal(landed, (await sut.LoadVersionedAsync(Topic, 0, ct).WaitAsync(s_timeout, ct))?.Version);
    }
}
