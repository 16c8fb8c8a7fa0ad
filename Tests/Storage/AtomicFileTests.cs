using Pipeline.StreamProcessor.Storage;

namespace Pipeline.Tests.Storage;

public sealed class AtomicFileTests : IDisposable
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);

    private readonly TempOutputDirectory _output = new();

    public void Dispose() => _output.Dispose();

    [Fact]
    public async Task WriteAsync_WriterFailsHalfway_KeepsPreviousFileAndLeavesNoTemporary()
    {
        // Arrange
        CancellationToken ct = TestContext.Current.CancellationToken;
        string path = Path.Combine(_output.Path, "part-t-p0-o00000000000000000000.parquet");
        await File.WriteAllTextAsync(path, "previous", ct);

        // Act
        Task write = AtomicFile.WriteAsync(path, "ignored", static async (stream, _, token) =>
        {
            await stream.WriteAsync("partial"u8.ToArray(), token);
            throw new IOException("disk full");
        }, ct);

        // Assert
        var error = await Assert.ThrowsAsync<IOException>(() => write.WaitAsync(s_timeout, ct));
        Assert.Equal("disk full", error.Message);
        Assert.Equal("previous", await File.ReadAllTextAsync(path, ct));
        Assert.Equal([Path.GetFileName(path)], Directory.GetFiles(_output.Path).Select(Path.GetFileName));
    }

    [Fact]
    public async Task WriteAsync_Success_ReplacesTargetAndReturnsItsLength()
    {
        // Arrange
        CancellationToken ct = TestContext.Current.CancellationToken;
        string path = Path.Combine(_output.Path, "a.json");
        await File.WriteAllTextAsync(path, "old content that is longer", ct);

        // Act
        long length = await AtomicFile.WriteAsync(path, "new", static (stream, text, token) =>
            stream.WriteAsync(System.Text.Encoding.UTF8.GetBytes(text), token).AsTask(), ct).WaitAsync(s_timeout, ct);

        // Assert
        Assert.Equal(3, length);
        Assert.Equal("new", await File.ReadAllTextAsync(path, ct));
        Assert.Equal(["a.json"], Directory.GetFiles(_output.Path).Select(Path.GetFileName));
    }
}
