using System.Text.Json;
using Microsoft.Extensions.Logging;
using Pipeline.StreamProcessor;
using Pipeline.StreamProcessor.Checkpointing;
using Pipeline.StreamProcessor.Processing;
using Pipeline.StreamProcessor.Sinks;
using Pipeline.StreamProcessor.Storage;

using Pipeline.Tests.Sinks;

namespace Pipeline.Tests.Processing;

/// <summary>
/// The engine without a broker: trigger timing on a fake clock, the commit order (files, then checkpoint, then
/// the offset hint) under injected sink failures, and revokes in the middle of a batch.
/// </summary>
public sealed class ProcessingEngineTests : IDisposable
{
    private static readonly TimeSpan s_trigger = new SinkOptions().TriggerInterval;
    private static readonly TimeSpan s_backoff = new ProcessorOptions().SinkRetryBackoff;
    private readonly EngineHarness _harness = new();

    private ScriptedSource Source => _harness.Source;

    public void Dispose() => _harness.Dispose();

    [Fact]
    public async Task Trigger_BatchCommitsWhenTheTriggerIntervalHasPassedSinceItsFirstMessage_NotBefore()
    {
        // Arrange
        List<int> hintsSeen = [];
        Source.Assign(0)
            .Deliver(EngineHarness.Event(0, 0, id: 1), EngineHarness.Event(0, 1, id: 2), EngineHarness.Event(0, 2, id: 1))
            .Advance(s_trigger - TimeSpan.FromMilliseconds(1))
            .Then(() => hintsSeen.Add(Source.Commits.Count))
            .Advance(TimeSpan.FromMilliseconds(1))
            .Then(() => hintsSeen.Add(Source.Commits.Count))
            .Deliver(EngineHarness.Event(0, 3, id: 1))
            .Advance(s_trigger / 2)
            .Then(() => hintsSeen.Add(Source.Commits.Count));

        // Act
        await _harness.RunAsync();

        // Assert: nothing a millisecond early, the batch [0, 3) on time, the next one not before its own interval;
        // the stop commits the rest.
        Assert.Equal([0, 1, 1], hintsSeen);
        Assert.Equal(["commit 0@3", "commit 0@4", "close"], Source.Calls);
        Assert.Equal(4, _harness.Checkpoint(0)?.NextOffset);
    }

    [Fact]
    public async Task Trigger_FullBatchCommitsAtTheNextTriggerCheckWithoutWaitingForTheInterval()
    {
        // Arrange: MaxBatchRows of 5, and more than a trigger check's worth of messages.
        using var harness = new EngineHarness(new Dictionary<string, string?> { ["Pipeline:Output:MaxBatchRows"] = "5" });
        var messages = Enumerable.Range(0, ProcessingEngine.TriggerCheckEvery + 10).Select(i => EngineHarness.Event(0, i, id: i % 7)).ToArray();
        harness.Source.Assign(0).Deliver(messages).Then(() => { });

        // Act
        await harness.RunAsync();

        // Assert: the clock never moved; the check after TriggerCheckEvery messages committed them, the stop the rest.
        Assert.Equal([$"commit 0@{ProcessingEngine.TriggerCheckEvery}", $"commit 0@{messages.Length}", "close"], harness.Source.Calls);
    }

    [Fact]
    public async Task Commit_UnderLoad_TheNextBatchIsConsumedWhileTheSealedOneIsWritten_EachWithItsOwnRows()
    {
        // Arrange: MaxBatchRows of 5 and a flow that never goes idle: the batch sealed at the first trigger check
        // is written in the background while the engine consumes the next one.
        using var harness = new EngineHarness(new Dictionary<string, string?> { ["Pipeline:Output:MaxBatchRows"] = "5" });
        var sealedAt = ProcessingEngine.TriggerCheckEvery;
        var messages = Enumerable.Range(0, sealedAt + 10).Select(i => EngineHarness.Event(0, i, id: i % 7)).ToArray();
        int? hintsWhileConsuming = null;
        harness.Source.Assign(0)
            .Deliver(messages[..^1])
            .DeliverAfter(() => hintsWhileConsuming = harness.Source.Commits.Count, messages[^1]);

        // Act
        await harness.RunAsync();

        // Assert: no offset hint while the flow went on (the engine did not stop to write); then both batches in order,
        // each hint after its checkpoint, and each batch's files hold exactly its own offsets.
        Assert.Equal(0, hintsWhileConsuming);
        Assert.Equal([$"commit 0@{sealedAt}", $"commit 0@{messages.Length}", "close"], harness.Source.Calls);
        Assert.Equal([(long?)sealedAt, messages.Length], harness.Source.Commits.Select(static c => c.CheckpointNextOffset));
        var ct = TestContext.Current.CancellationToken;
        List<long> offsetsOf(long firstOffset) => [.. Directory
            .EnumerateFiles(harness.Run.Directory, OutputLayout.BatchFileName(EngineHarness.Topic, 0, firstOffset), SearchOption.AllDirectories)
            .Where(static path => Path.GetFileName(Path.GetDirectoryName(path))!.StartsWith("id=", StringComparison.Ordinal))
            .Select(path => Path.GetRelativePath(harness.Run.Directory, path).Replace(Path.DirectorySeparatorChar, '/'))
            .SelectMany(name => SinkTestData.ReadRawFileAsync(harness.Run.Reader, name, ct).GetAwaiter().GetResult())
            .Select(static row => row.Offset)
            .Order()];
        Assert.Equal(Enumerable.Range(0, sealedAt).Select(static i => (long)i), offsetsOf(0));
        Assert.Equal(Enumerable.Range(sealedAt, 10).Select(static i => (long)i), offsetsOf(sealedAt));
    }

    [Fact]
    public async Task Commit_OffsetHintComesAfterTheFilesAndTheCheckpointItAgreesWith()
    {
        // Arrange
        Source.Assign(0)
            .Deliver(EngineHarness.Event(0, 0, id: 1), EngineHarness.Event(0, 1, id: 2), EngineHarness.Rejected(0, 2))
            .Advance(s_trigger);

        // Act
        await _harness.RunAsync();

        // Assert: when the hint came, the checkpoint already held its offset and the batch's files were in place.
        var commit = Assert.Single(Source.Commits);
        Assert.Equal((0, 3L, (long?)3), (commit.Partition, commit.Offset, commit.CheckpointNextOffset));
        Assert.Contains(OutputLayout.BatchFileName(EngineHarness.Topic, 0, 0), commit.Files);
        Assert.Equal([2L], _harness.Publisher.Rejected);
        Assert.True(_harness.Publisher.Confirms >= 1);
    }

    [Fact]
    public async Task Commit_FileWriteFails_NeitherCheckpointNorOffsetAndPaused_ThenRetriedAfterTheBackoff()
    {
        // Arrange: the raw events folder is a file when the batch is due.
        var events = _harness.Run.PathOf(OutputLayout.EventsFolder);
        List<(int Hints, bool Checkpoint, bool Failing, string[] Files)> seen = [];
        void Look() => seen.Add((Source.Commits.Count, _harness.Checkpoint(0) is not null, _harness.CommitRetry.IsOutputFailing, _harness.BatchFiles(0)));
        Source.Assign(0)
            .Then(() => _harness.Block(events))
            .Deliver(EngineHarness.Event(0, 0, id: 1), EngineHarness.Event(0, 1, id: 2))
            .Advance(s_trigger)
            .Then(Look)
            .Then(() => EngineHarness.Unblock(events))
            .Advance(s_backoff - TimeSpan.FromMilliseconds(1))
            .Then(Look)
            .Advance(TimeSpan.FromMilliseconds(1))
            .Then(Look);

        // Act
        await _harness.RunAsync();

        // Assert: the failure left no checkpoint, no hint, no file; the retry waited for the backoff, then committed.
        Assert.Equal((0, false, true), (seen[0].Hints, seen[0].Checkpoint, seen[0].Failing));
        Assert.Empty(seen[0].Files);
        Assert.Equal((0, false, true), (seen[1].Hints, seen[1].Checkpoint, seen[1].Failing));
        Assert.Equal((1, true, false), (seen[2].Hints, seen[2].Checkpoint, seen[2].Failing));
        Assert.Equal(["pause", "commit 0@2", "resume", "close"], Source.Calls);
        Assert.Equal(2, _harness.Checkpoint(0)?.NextOffset);
    }

    [Fact]
    public async Task Commit_CheckpointFails_FilesAreWrittenButNoOffsetHint_AndTheRetryRewritesTheSameNames()
    {
        // Arrange: the checkpoints folder is a file once the run manifest and the assignment's fence are written.
        var checkpoints = _harness.Run.PathOf(OutputLayout.CheckpointsFolder);
        Dictionary<string, byte[]> saved = [];
        List<(int Hints, string[] Files)> seen = [];
        Source.Assign(0)
            .Then(() =>
            {
                saved = Directory.GetFiles(checkpoints, "*.json").ToDictionary(path => path, File.ReadAllBytes);
                _harness.Block(checkpoints);
            })
            .Deliver(EngineHarness.Event(0, 0, id: 1), EngineHarness.Event(0, 1, id: 2))
            .Advance(s_trigger)
            .Then(() => seen.Add((Source.Commits.Count, _harness.BatchFiles(0))))
            .Then(() =>
            {
                EngineHarness.Unblock(checkpoints);
                Directory.CreateDirectory(checkpoints);
                foreach (var (path, bytes) in saved)
                {
                    File.WriteAllBytes(path, bytes);
                }
            })
            .Advance(s_backoff);

        // Act
        await _harness.RunAsync();

        // Assert: files first (in place although the checkpoint failed), no hint until the checkpoint landed.
        Assert.Equal(0, seen[0].Hints);
        Assert.Contains(OutputLayout.BatchFileName(EngineHarness.Topic, 0, 0), seen[0].Files);
        Assert.Equal(["pause", "commit 0@2", "resume", "close"], Source.Calls);
        var commit = Assert.Single(Source.Commits);
        Assert.Equal((long?)2, commit.CheckpointNextOffset);
        Assert.Equal(seen[0].Files, commit.Files);
    }

    [Fact]
    public async Task Commit_AnotherOwnerReplacedTheCheckpoint_IsRefusedAndLogged_TheLaneIsDroppedWithoutAnOffsetHint()
    {
        // Arrange: after the lane's first commit, the partition's new owner (a processor that took it over while
        // this one did not notice) writes its own checkpoint through the storage.
        var storage = _harness.Service<IRunStorage>();
        var name = OutputLayout.CheckpointName(EngineHarness.Topic, 0);
        var theirs = JsonSerializer.SerializeToUtf8Bytes(
            new PartitionCheckpoint(EngineHarness.Topic, 0, 50, null, null, [], 0), CheckpointJsonContext.Strict);
        List<int> lanesAfter = [];
        Source.Assign(0)
            .Deliver(EngineHarness.Event(0, 0, id: 1))
            .Advance(s_trigger)
            .Then(() =>
            {
                var ct = TestContext.Current.CancellationToken;
                var ours = storage.ReadAsync(name, ct).GetAwaiter().GetResult()!;
                storage.ReplaceIfMatchAsync(name, theirs, ours.Version, ct).GetAwaiter().GetResult();
            })
            .Deliver(EngineHarness.Event(0, 1, id: 2))
            .Advance(s_trigger)
            .Deliver(EngineHarness.Event(0, 2, id: 3))
            .Then(() => lanesAfter.Add(_harness.Engine.Lanes.Count));

        // Act
        await _harness.RunAsync();

        // Assert: only the first batch was hinted; the refused one is neither retried as a sink failure nor
        // hinted, the lane is gone (its later message ignored), and the new owner's checkpoint is intact.
        Assert.Equal(["commit 0@1", "close"], Source.Calls);
        Assert.Equal([0], lanesAfter);
        Assert.False(_harness.CommitRetry.IsOutputFailing);
        var stored = await storage.ReadAsync(name, TestContext.Current.CancellationToken);
        Assert.Equal(theirs, stored?.Content.ToArray());
        var conflict = Assert.Single(_harness.Logs.Entries, static e => e.Name == "CheckpointConflict");
        Assert.Equal(LogLevel.Warning, conflict.Level);
        Assert.Equal<object?>(EngineHarness.Topic, conflict.Values["Topic"]);
        Assert.Equal<object?>(0, conflict.Values["Partition"]);
        Assert.IsType<CheckpointConflictException>(conflict.Exception);
    }

    [Fact]
    public async Task Assign_OpeningLine_SaysAFreshPartitionStartsAtTheEarliestOffset_AndAReassignedOneWhereItResumes()
    {
        // Arrange: the partition is assigned without a checkpoint, commits three events, is revoked and comes back.
        Source.Assign(0)
            .Deliver(EngineHarness.Event(0, 0, id: 1), EngineHarness.Event(0, 1, id: 1), EngineHarness.Event(0, 2, id: 1))
            .Advance(s_trigger)
            .Then(() => _harness.Engine.RevokeAsync([0]).GetAwaiter().GetResult())
            .Assign(0);

        // Act
        await _harness.RunAsync();

        // Assert: no "resuming at offset -1" for a partition that has no checkpoint yet.
        var opened = _harness.Logs.Entries.Where(static e => e.Name is "LaneOpened" or "LaneOpenedWithoutCheckpoint").ToList();
        Assert.Equal(["LaneOpenedWithoutCheckpoint", "LaneOpened"], opened.Select(static e => e.Name));
        Assert.DoesNotContain("-1", opened[0].Message, StringComparison.Ordinal);
        Assert.Equal<object?>(3L, opened[1].Values["NextOffset"]);
    }

    [Fact]
    public async Task Revoke_MidBatch_CommitsThePartialBatchFirst_ThenDropsTheLaneAndItsLaterMessages()
    {
        // Arrange: two partitions; partition 0 is revoked with an open batch, and one of its messages still
        // arrives after the revoke (fetched before it).
        IReadOnlyList<(int Partition, long? StartAt)>? reassigned = null;
        Source.Assign(0, 1)
            .Deliver(EngineHarness.Event(0, 0, id: 1), EngineHarness.Event(0, 1, id: 1), EngineHarness.Event(1, 0, id: 2))
            .Then(() => _harness.Engine.RevokeAsync([0]).GetAwaiter().GetResult())
            .Deliver(EngineHarness.Event(0, 2, id: 1), EngineHarness.Event(1, 1, id: 2))
            .Then(() => reassigned = _harness.Engine.AssignAsync([0]).GetAwaiter().GetResult());

        // Act
        await _harness.RunAsync();

        // Assert: the revoke committed [0, 2) (checkpoint and hint agree); offset 2 was not taken, so the
        // partition resumes there when it comes back.
        Assert.Equal(["commit 0@2", "commit 1@2", "close"], Source.Calls);
        var revoked = Source.Commits[0];
        Assert.Equal((long?)2, revoked.CheckpointNextOffset);
        Assert.Contains(OutputLayout.BatchFileName(EngineHarness.Topic, 0, 0), revoked.Files);
        Assert.Equal([(0, (long?)2)], reassigned);
        Assert.Equal(2, _harness.Checkpoint(0)?.NextOffset);
        Assert.Equal(2, _harness.Checkpoint(1)?.NextOffset);
        Assert.Empty(_harness.Engine.Lanes);
    }

    [Fact]
    public async Task Revoke_MidBatchWhileTheSinkFails_DropsTheBatch_NoCheckpointNoOffset_TheNextOwnerReplaysIt()
    {
        // Arrange
        var events = _harness.Run.PathOf(OutputLayout.EventsFolder);
        IReadOnlyList<(int Partition, long? StartAt)>? reassigned = null;
        Source.Assign(0)
            .Then(() => _harness.Block(events))
            .Deliver(EngineHarness.Event(0, 0, id: 1), EngineHarness.Event(0, 1, id: 2))
            .Then(() => _harness.Engine.RevokeAsync([0]).GetAwaiter().GetResult())
            .Then(() => EngineHarness.Unblock(events))
            .Then(() => reassigned = _harness.Engine.AssignAsync([0]).GetAwaiter().GetResult());

        // Act
        await _harness.RunAsync();

        // Assert: nothing of the batch reached the output, Kafka or the checkpoint: it is read again from the start
        // (offset 0, where the first assignment's fence checkpoint stands).
        Assert.Empty(Source.Commits);
        Assert.Null(_harness.Checkpoint(0));
        Assert.Equal([(0, (long?)0)], reassigned);
    }

    [Fact]
    public async Task SinkFailure_WithExitOnSinkFailure_EscapesAsSinkFailedException_AfterTheStop()
    {
        // Arrange
        using var harness = new EngineHarness(new Dictionary<string, string?> { ["Pipeline:Processor:ExitOnSinkFailure"] = "true" });
        var events = harness.Run.PathOf(OutputLayout.EventsFolder);
        harness.Source.Assign(0)
            .Then(() => harness.Block(events))
            .Deliver(EngineHarness.Event(0, 0, id: 1))
            .Advance(s_trigger);

        // Act
        var ex = await Assert.ThrowsAsync<SinkFailedException>(harness.RunAsync);

        // Assert: no offset, no checkpoint, and the source was still closed.
        Assert.IsType<IOException>(ex.InnerException, exactMatch: false);
        Assert.Equal(["close"], harness.Source.Calls);
        Assert.Null(harness.Checkpoint(0));
        Assert.Equal(ProcessorExitCodes.SinkFailed, ProcessorExitCodes.Of(Task.FromException(ex)));
    }
}
