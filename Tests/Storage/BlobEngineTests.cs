using System.Text;
using Pipeline.StreamProcessor.Checkpointing;
using Pipeline.StreamProcessor.Processing;
using Pipeline.StreamProcessor.Sinks;
using Pipeline.StreamProcessor.Storage;
using Pipeline.Tests.Processing;

namespace Pipeline.Tests.Storage;

/// <summary>
/// The engine as the service composes it, writing to a container of a real Azurite (<c>ConnectionStrings:output</c>),
/// against the processor that lost its partition without noticing (the zombie): the new owner's assignment fences
/// it, its late checkpoint is refused by ETag and its lane stops, and a blob it left where the owner writes is
/// replaced only by the owner.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class BlobEngineTests(AzuriteFixture azurite) : IDisposable
{
    private static readonly TimeSpan s_trigger = new SinkOptions().TriggerInterval;
    private readonly List<EngineHarness> _harnesses = [];

    public void Dispose()
    {
        foreach (var harness in _harnesses)
        {
            harness.Dispose();
        }
    }

    private async Task<BlobRun> RunAsync() =>
        await BlobRun.CreateAsync(azurite.Server, EngineHarness.RunId, TestContext.Current.CancellationToken);

    private EngineHarness Harness(BlobRun run)
    {
        var harness = new EngineHarness(new Dictionary<string, string?> { ["ConnectionStrings:output"] = run.ConnectionString });
        _harnesses.Add(harness);
        return harness;
    }

    [Fact]
    public async Task Commit_AfterANewOwnerWasAssignedAPartitionThisLaneNeverSaved_IsRefusedByETag_AndTheLaneStops()
    {
        // Arrange: the zombie was assigned a fresh partition and has a batch open; the new owner is assigned it
        // (its LaneFactory, exactly what its engine runs on assignment) before the zombie's first commit.
        var ct = TestContext.Current.CancellationToken;
        var run = await RunAsync();
        var zombie = Harness(run);
        var owner = Harness(run);
        List<int> lanesAfter = [];
        zombie.Source.Assign(0)
            .Deliver(EngineHarness.Event(0, 0, id: 1), EngineHarness.Event(0, 1, id: 2))
            .Then(() => owner.Service<LaneFactory>().OpenAsync(EngineHarness.Topic, 0, ct).GetAwaiter().GetResult().Lane.DisposeAsync().AsTask().GetAwaiter().GetResult())
            .Advance(s_trigger)
            .Deliver(EngineHarness.Event(0, 2, id: 3))
            .Then(() => lanesAfter.Add(zombie.Engine.Lanes.Count));

        // Act
        await zombie.RunAsync();

        // Assert: no offset hint, no sink-failure retry, the lane is gone, the owner's checkpoint stands.
        Assert.Equal(["close"], zombie.Source.Calls);
        Assert.Equal([0], lanesAfter);
        Assert.False(zombie.CommitRetry.IsOutputFailing);
        var conflict = Assert.Single(zombie.Logs.Entries, static e => e.Name == "CheckpointConflict");
        Assert.IsType<CheckpointConflictException>(conflict.Exception);
        var checkpoint = await run.Checkpoints.LoadAsync(EngineHarness.Topic, 0, ct);
        Assert.Equal(0, checkpoint?.NextOffset);

        // The zombie removed the files of its refused batch (at the versions it wrote): nothing lies beyond the
        // owner's checkpoint.
        var abandoned = Assert.Single(zombie.Logs.Entries, static e => e.Name == "BatchAbandoned");
        Assert.Equal<object?>(2, abandoned.Values["Files"]);
        Assert.Empty(await ListAsync(run, OutputLayout.EventsFolder));
    }

    [Fact]
    public async Task Abandon_OfAZombieThatFoundTheOwnersIdenticalFile_DeletesOnlyWhatItCreated()
    {
        // Arrange: the owner commits [0, 2) (id 1 only) first; the zombie's batch [0, 3) holds the same id 1 rows, so
        // its id 1 file finds the owner's with identical bytes (a replay), and adds an id 2 file; its checkpoint
        // (offset 3, not the owner's 2) is then refused.
        var ct = TestContext.Current.CancellationToken;
        var run = await RunAsync();
        var zombie = Harness(run);
        var owner = Harness(run);
        owner.Source.Assign(0).Deliver(EngineHarness.Event(0, 0, id: 1), EngineHarness.Event(0, 1, id: 1)).Advance(s_trigger);
        zombie.Source.Assign(0)
            .Deliver(EngineHarness.Event(0, 0, id: 1), EngineHarness.Event(0, 1, id: 1), EngineHarness.Event(0, 2, id: 2))
            .Then(() => owner.RunAsync().GetAwaiter().GetResult())
            .Advance(s_trigger);

        // Act
        await zombie.RunAsync();

        // Assert: the owner's file stays; the zombie deleted the one file it had created.
        Assert.Equal(["commit 0@2", "close"], owner.Source.Calls);
        Assert.Single(zombie.Logs.Entries, static e => e.Name == "CheckpointConflict");
        var abandoned = Assert.Single(zombie.Logs.Entries, static e => e.Name == "BatchAbandoned");
        Assert.Equal<object?>(1, abandoned.Values["Files"]);
        var counts = await run.Run.Reader.CountRowsByIdAsync(ct);
        Assert.Equal([1], counts.Keys);
        Assert.Equal(2, counts[1]);
    }

    [Fact]
    public async Task Commit_WhereAZombieLeftABlobWithOtherBytes_TheOwnerReplacesItAfterConfirmingItsCheckpoint()
    {
        // Arrange: after the owner's assignment, a zombie's late upload lands where the owner's first batch goes.
        var ct = TestContext.Current.CancellationToken;
        var run = await RunAsync();
        var owner = Harness(run);
        string name = OutputLayout.RawFileName(EngineHarness.Topic, 0, 0, id: 1);
        owner.Source.Assign(0)
            .Then(() => run.Storage.WriteAsync(name, "zombie", static (s, t, c) => s.WriteAsync(Encoding.UTF8.GetBytes(t), c).AsTask(), ct)
                .GetAwaiter().GetResult())
            .Deliver(EngineHarness.Event(0, 0, id: 1), EngineHarness.Event(0, 1, id: 1))
            .Advance(s_trigger);

        // Act
        await owner.RunAsync();

        // Assert: committed, and the blob is now the owner's Parquet file with its two rows.
        Assert.Equal(["commit 0@2", "close"], owner.Source.Calls);
        var counts = await run.Run.Reader.CountRowsByIdAsync(ct);
        Assert.Equal(2, counts[1]);
    }

    [Fact]
    public async Task Write_OfAZombieFindingTheOwnersBlob_IsRefusedWithoutTouchingIt()
    {
        // Arrange: the zombie's batch is open; the owner is assigned the partition and commits its own batch at the
        // same first offset (other bytes) before the zombie's write.
        var ct = TestContext.Current.CancellationToken;
        var run = await RunAsync();
        var zombie = Harness(run);
        string name = OutputLayout.RawFileName(EngineHarness.Topic, 0, 0, id: 1);
        byte[]? ownersBytes = null;
        zombie.Source.Assign(0)
            .Deliver(EngineHarness.Event(0, 0, id: 1, value: 1.0))
            .Then(() =>
            {
                var owner = Harness(run);
                owner.Service<LaneFactory>().OpenAsync(EngineHarness.Topic, 0, ct).GetAwaiter().GetResult().Lane.DisposeAsync().AsTask().GetAwaiter().GetResult();
                run.Storage.WriteAsync(name, "owner's file", static (s, t, c) => s.WriteAsync(Encoding.UTF8.GetBytes(t), c).AsTask(), ct)
                    .GetAwaiter().GetResult();
                ownersBytes = run.Storage.ReadAsync(name, ct).GetAwaiter().GetResult()!.Content.ToArray();
            })
            .Advance(s_trigger);

        // Act
        await zombie.RunAsync();

        // Assert
        Assert.Equal(["close"], zombie.Source.Calls);
        Assert.Single(zombie.Logs.Entries, static e => e.Name == "CheckpointConflict");
        Assert.Equal(ownersBytes, (await run.Storage.ReadAsync(name, ct))?.Content.ToArray());
    }

    private static async Task<List<string>> ListAsync(BlobRun run, string prefix)
    {
        var names = new List<string>();
        await foreach (var name in run.Storage.ListAsync(prefix, TestContext.Current.CancellationToken))
        {
            names.Add(name);
        }

        return names;
    }
}
