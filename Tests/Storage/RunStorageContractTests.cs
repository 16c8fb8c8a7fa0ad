using System.Text;
using Pipeline.StreamProcessor.Storage;

namespace Pipeline.Tests.Storage;

/// <summary>
/// The contract of <see cref="IRunStorage"/>, run unchanged against every implementation (the derived classes
/// say how to make one): what the sinks and checkpoints rely on for exactly once.
/// </summary>
public abstract class RunStorageContractTests
{
    protected static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);

    /// <summary>A new, empty storage for one test.</summary>
    protected abstract Task<IRunStorage> CreateSutAsync(CancellationToken cancellationToken);

    protected static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    protected static async Task<long> WriteTextAsync(IRunStorage storage, string name, string text, CancellationToken cancellationToken) =>
        (await WriteTextVersionedAsync(storage, name, text, cancellationToken)).Length;

    protected static Task<WrittenObject> WriteTextVersionedAsync(IRunStorage storage, string name, string text, CancellationToken cancellationToken) =>
        storage.WriteAsync(name, text, static (stream, t, ct) => stream.WriteAsync(Encoding.UTF8.GetBytes(t), ct).AsTask(), cancellationToken)
            .WaitAsync(s_timeout, cancellationToken);

    protected static async Task<string?> ReadTextAsync(IRunStorage storage, string name, CancellationToken cancellationToken)
    {
        StoredObject? stored = await storage.ReadAsync(name, cancellationToken).WaitAsync(s_timeout, cancellationToken);
        return stored is null ? null : Encoding.UTF8.GetString(stored.Content.Span);
    }

    protected static async Task<List<string>> ListSortedAsync(IRunStorage storage, string prefix, CancellationToken cancellationToken)
    {
        var names = new List<string>();
        await foreach (string name in storage.ListAsync(prefix, cancellationToken))
        {
            names.Add(name);
        }

        names.Sort(StringComparer.Ordinal);
        return names;
    }

    [Fact]
    public async Task WriteAsync_ThenReadAsync_ReturnsTheBytesAndTheirLength()
    {
        // Arrange
        CancellationToken ct = TestContext.Current.CancellationToken;
        IRunStorage sut = await CreateSutAsync(ct).WaitAsync(s_timeout, ct);
        byte[] content = new byte[200_000];
        new Random(7).NextBytes(content);

        // Act
        long length = (await sut.WriteAsync(
            "events/id=3/part-events-p0-o00000000000000000042.parquet",
            content,
            static (stream, c, token) => stream.WriteAsync(c, token).AsTask(),
            ct).WaitAsync(s_timeout, ct)).Length;
        StoredObject? stored = await sut.ReadAsync("events/id=3/part-events-p0-o00000000000000000042.parquet", ct).WaitAsync(s_timeout, ct);

        // Assert
        Assert.Equal(content.Length, length);
        Assert.NotNull(stored);
        Assert.Equal(content, stored.Content.ToArray());
        Assert.False(string.IsNullOrEmpty(stored.Version.Value));
    }

    [Fact]
    public async Task WriteAsync_ObjectOfSeveralBlocks_IsReadBackWhole_StreamedAndMeasured_AndItsReplayIsAccepted()
    {
        // Arrange: more than two blob blocks, written in 1 MiB pieces as a Parquet writer would
        CancellationToken ct = TestContext.Current.CancellationToken;
        IRunStorage sut = await CreateSutAsync(ct).WaitAsync(s_timeout, ct);
        byte[] content = new byte[(2 * BlobStorage.BlockSize) + 12_345];
        new Random(11).NextBytes(content);
        const string Name = "events/id=1/part-events-p0-o00000000000000000000-c00000000000000000100.parquet";

        // Act
        var written = await sut.WriteAsync(Name, content, WriteInPiecesAsync, ct).WaitAsync(s_timeout, ct);
        var replay = await sut.WriteAsync(Name, content, WriteInPiecesAsync, ct).WaitAsync(s_timeout, ct);
        long? length = await sut.GetLengthAsync(Name, ct).WaitAsync(s_timeout, ct);
        byte[] streamed;
        await using (Stream? stream = await sut.OpenReadAsync(Name, ct).WaitAsync(s_timeout, ct))
        {
            Assert.NotNull(stream);
            using var copy = new MemoryStream();
            await stream.CopyToAsync(copy, ct);
            streamed = copy.ToArray();
        }

        // Assert
        Assert.Equal(content.Length, written.Length);
        Assert.Equal(content.Length, replay.Length);
        Assert.Equal(content.Length, length);
        byte[] read = (await sut.ReadAsync(Name, ct))!.Content.ToArray();
        Assert.Equal(content, streamed);
        Assert.Equal(content, read);

        static async Task WriteInPiecesAsync(Stream stream, byte[] bytes, CancellationToken token)
        {
            for (int start = 0; start < bytes.Length; start += 1 << 20)
            {
                await stream.WriteAsync(bytes.AsMemory(start, Math.Min(1 << 20, bytes.Length - start)), token);
            }
        }
    }

    [Fact]
    public async Task OpenReadAsyncAndGetLengthAsync_MissingObject_ReturnNull()
    {
        // Arrange
        CancellationToken ct = TestContext.Current.CancellationToken;
        IRunStorage sut = await CreateSutAsync(ct).WaitAsync(s_timeout, ct);

        // Act
        Stream? stream = await sut.OpenReadAsync("aggregates/part-events-p0-o00000000000000000000.parquet", ct).WaitAsync(s_timeout, ct);
        long? length = await sut.GetLengthAsync("aggregates/part-events-p0-o00000000000000000000.parquet", ct).WaitAsync(s_timeout, ct);

        // Assert
        Assert.Null(stream);
        Assert.Null(length);
    }

    [Fact]
    public async Task WriteAsync_ReplayWithIdenticalBytes_SucceedsAndKeepsTheContent()
    {
        // Arrange
        CancellationToken ct = TestContext.Current.CancellationToken;
        IRunStorage sut = await CreateSutAsync(ct).WaitAsync(s_timeout, ct);
        await WriteTextAsync(sut, "aggregates/part-events-p1-o00000000000000000000.parquet", "batch [0, 10)", ct);

        // Act: the batch replayed after a crash before its checkpoint landed
        long length = await WriteTextAsync(sut, "aggregates/part-events-p1-o00000000000000000000.parquet", "batch [0, 10)", ct);

        // Assert
        Assert.Equal(Bytes("batch [0, 10)").Length, length);
        Assert.Equal("batch [0, 10)", await ReadTextAsync(sut, "aggregates/part-events-p1-o00000000000000000000.parquet", ct));
    }

    [Fact]
    public async Task ReadAsync_MissingObject_ReturnsNull()
    {
        // Arrange
        CancellationToken ct = TestContext.Current.CancellationToken;
        IRunStorage sut = await CreateSutAsync(ct).WaitAsync(s_timeout, ct);

        // Act
        StoredObject? stored = await sut.ReadAsync("_checkpoints/events-p0.json", ct).WaitAsync(s_timeout, ct);

        // Assert
        Assert.Null(stored);
    }

    [Fact]
    public async Task ListAsync_ByPrefix_ListsExactlyTheObjectsWhoseNameStartsWithIt()
    {
        // Arrange
        CancellationToken ct = TestContext.Current.CancellationToken;
        IRunStorage sut = await CreateSutAsync(ct).WaitAsync(s_timeout, ct);
        string[] names =
        [
            "events/id=1/part-events-p0-o00000000000000000000.parquet",
            "events/id=2/part-events-p0-o00000000000000000000.parquet",
            "events/id=2/part-events-p1-o00000000000000000005.parquet",
            "aggregates/part-events-p0-o00000000000000000000.parquet",
            "aggregates/part-events-p1-o00000000000000000005.parquet",
            "_checkpoints/events-p0.json",
        ];
        foreach (string name in names)
        {
            await WriteTextAsync(sut, name, name, ct);
        }

        // Act
        List<string> events = await ListSortedAsync(sut, "events/", ct);
        List<string> partition0Aggregates = await ListSortedAsync(sut, "aggregates/part-events-p0-o", ct);
        List<string> everything = await ListSortedAsync(sut, "", ct);
        List<string> none = await ListSortedAsync(sut, "nothing/", ct);

        // Assert
        Assert.Equal(names[..3].Order(StringComparer.Ordinal), events);
        Assert.Equal(["aggregates/part-events-p0-o00000000000000000000.parquet"], partition0Aggregates);
        Assert.Equal(names.Order(StringComparer.Ordinal), everything);
        Assert.Empty(none);
    }

    [Fact]
    public async Task DeleteAsync_ExistingThenAgain_ReturnsTrueThenFalseAndTheObjectIsGone()
    {
        // Arrange
        CancellationToken ct = TestContext.Current.CancellationToken;
        IRunStorage sut = await CreateSutAsync(ct).WaitAsync(s_timeout, ct);
        await WriteTextAsync(sut, "aggregates/part-events-p0-o00000000000000000007.parquet", "orphan", ct);
        await WriteTextAsync(sut, "aggregates/part-events-p0-o00000000000000000000.parquet", "committed", ct);

        // Act
        bool first = await sut.DeleteAsync("aggregates/part-events-p0-o00000000000000000007.parquet", ct).WaitAsync(s_timeout, ct);
        bool second = await sut.DeleteAsync("aggregates/part-events-p0-o00000000000000000007.parquet", ct).WaitAsync(s_timeout, ct);

        // Assert
        Assert.True(first);
        Assert.False(second);
        Assert.Null(await ReadTextAsync(sut, "aggregates/part-events-p0-o00000000000000000007.parquet", ct));
        Assert.Equal(["aggregates/part-events-p0-o00000000000000000000.parquet"], await ListSortedAsync(sut, "aggregates/", ct));
    }

    [Fact]
    public async Task CreateIfAbsentAsync_Twice_SecondThrowsAlreadyExistsAndTheFirstStays()
    {
        // Arrange
        CancellationToken ct = TestContext.Current.CancellationToken;
        IRunStorage sut = await CreateSutAsync(ct).WaitAsync(s_timeout, ct);
        ObjectVersion created = await sut.CreateIfAbsentAsync("_checkpoints/_run.json", Bytes("{\"first\":1}"), ct).WaitAsync(s_timeout, ct);

        // Act
        var e = await Assert.ThrowsAsync<StorageConflictException>(
            () => sut.CreateIfAbsentAsync("_checkpoints/_run.json", Bytes("{\"second\":2}"), ct).WaitAsync(s_timeout, ct));

        // Assert
        Assert.Equal(StorageConflict.AlreadyExists, e.Conflict);
        Assert.Equal("_checkpoints/_run.json", e.Name);
        Assert.Contains("_run.json", e.Message, StringComparison.Ordinal);
        StoredObject? stored = await sut.ReadAsync("_checkpoints/_run.json", ct).WaitAsync(s_timeout, ct);
        Assert.NotNull(stored);
        Assert.Equal("{\"first\":1}", Encoding.UTF8.GetString(stored.Content.Span));
        Assert.Equal(created, stored.Version);
    }

    [Fact]
    public async Task CreateIfAbsentAsync_ManyWritersAtOnce_ExactlyOneWins()
    {
        // Arrange
        CancellationToken ct = TestContext.Current.CancellationToken;
        IRunStorage sut = await CreateSutAsync(ct).WaitAsync(s_timeout, ct);

        // Act: processors starting the same run at the same moment
        var attempts = Enumerable.Range(0, 8).Select(async i =>
        {
            try
            {
                await sut.CreateIfAbsentAsync("_checkpoints/_run.json", Bytes($"writer {i}"), ct);
                return i;
            }
            catch (StorageConflictException e) when (e.Conflict == StorageConflict.AlreadyExists)
            {
                return -1;
            }
        }).ToArray();
        int[] outcomes = await Task.WhenAll(attempts).WaitAsync(s_timeout, ct);

        // Assert
        int winner = Assert.Single(outcomes, o => o >= 0);
        Assert.Equal($"writer {winner}", await ReadTextAsync(sut, "_checkpoints/_run.json", ct));
    }

    [Fact]
    public async Task ReplaceIfMatchAsync_WithTheVersionRead_ReplacesAndReturnsTheVersionAReadSees()
    {
        // Arrange
        CancellationToken ct = TestContext.Current.CancellationToken;
        IRunStorage sut = await CreateSutAsync(ct).WaitAsync(s_timeout, ct);
        await sut.CreateIfAbsentAsync("_checkpoints/events-p0.json", Bytes("next 0"), ct).WaitAsync(s_timeout, ct);
        StoredObject? read = await sut.ReadAsync("_checkpoints/events-p0.json", ct).WaitAsync(s_timeout, ct);
        Assert.NotNull(read);

        // Act: two commits in a row, the second with the version the first returned
        ObjectVersion v1 = await sut.ReplaceIfMatchAsync("_checkpoints/events-p0.json", Bytes("next 10"), read.Version, ct).WaitAsync(s_timeout, ct);
        ObjectVersion v2 = await sut.ReplaceIfMatchAsync("_checkpoints/events-p0.json", Bytes("next 20"), v1, ct).WaitAsync(s_timeout, ct);

        // Assert
        StoredObject? after = await sut.ReadAsync("_checkpoints/events-p0.json", ct).WaitAsync(s_timeout, ct);
        Assert.NotNull(after);
        Assert.Equal("next 20", Encoding.UTF8.GetString(after.Content.Span));
        Assert.Equal(v2, after.Version);
        Assert.NotEqual(read.Version, v1);
        Assert.NotEqual(v1, v2);
    }

    [Fact]
    public async Task ReplaceIfMatchAsync_ZombieWithAStaleVersion_ThrowsVersionMismatchAndTheNewOwnersCheckpointStays()
    {
        // Arrange: the old owner (the zombie) and the new owner both read the checkpoint at offset 10
        CancellationToken ct = TestContext.Current.CancellationToken;
        IRunStorage sut = await CreateSutAsync(ct).WaitAsync(s_timeout, ct);
        await sut.CreateIfAbsentAsync("_checkpoints/events-p0.json", Bytes("next 10"), ct).WaitAsync(s_timeout, ct);
        StoredObject? zombieRead = await sut.ReadAsync("_checkpoints/events-p0.json", ct).WaitAsync(s_timeout, ct);
        StoredObject? ownerRead = await sut.ReadAsync("_checkpoints/events-p0.json", ct).WaitAsync(s_timeout, ct);
        Assert.NotNull(zombieRead);
        Assert.NotNull(ownerRead);
        Assert.Equal(zombieRead.Version, ownerRead.Version);

        // Act: the new owner commits first; the zombie's late write comes after
        await sut.ReplaceIfMatchAsync("_checkpoints/events-p0.json", Bytes("next 25 (owner)"), ownerRead.Version, ct).WaitAsync(s_timeout, ct);
        var e = await Assert.ThrowsAsync<StorageConflictException>(
            () => sut.ReplaceIfMatchAsync("_checkpoints/events-p0.json", Bytes("next 20 (zombie)"), zombieRead.Version, ct).WaitAsync(s_timeout, ct));

        // Assert
        Assert.Equal(StorageConflict.VersionMismatch, e.Conflict);
        Assert.Equal("next 25 (owner)", await ReadTextAsync(sut, "_checkpoints/events-p0.json", ct));
    }

    [Fact]
    public async Task ReplaceIfMatchAsync_AfterTheObjectWasDeleted_ThrowsVersionMismatchAndCreatesNothing()
    {
        // Arrange
        CancellationToken ct = TestContext.Current.CancellationToken;
        IRunStorage sut = await CreateSutAsync(ct).WaitAsync(s_timeout, ct);
        ObjectVersion version = await sut.CreateIfAbsentAsync("_checkpoints/events-p0.json", Bytes("next 10"), ct).WaitAsync(s_timeout, ct);
        await sut.DeleteAsync("_checkpoints/events-p0.json", ct).WaitAsync(s_timeout, ct);

        // Act
        var e = await Assert.ThrowsAsync<StorageConflictException>(
            () => sut.ReplaceIfMatchAsync("_checkpoints/events-p0.json", Bytes("next 20"), version, ct).WaitAsync(s_timeout, ct));

        // Assert
        Assert.Equal(StorageConflict.VersionMismatch, e.Conflict);
        Assert.Null(await ReadTextAsync(sut, "_checkpoints/events-p0.json", ct));
    }

    [Theory]
    [InlineData("../escape.json")]
    [InlineData("/absolute.json")]
    [InlineData("a//b.json")]
    [InlineData("_checkpoints/.events-p0.json.tmp")]
    [InlineData("a\\b.json")]
    [InlineData("a/b/")]
    public async Task AnyOperation_WithAnInvalidName_ThrowsArgumentException(string name)
    {
        // Arrange
        CancellationToken ct = TestContext.Current.CancellationToken;
        IRunStorage sut = await CreateSutAsync(ct).WaitAsync(s_timeout, ct);

        // Act / Assert
        await Assert.ThrowsAnyAsync<ArgumentException>(() => WriteTextAsync(sut, name, "x", ct));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => sut.ReadAsync(name, ct));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => sut.DeleteAsync(name, ct));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => sut.CreateIfAbsentAsync(name, Bytes("x"), ct));
    }
}
