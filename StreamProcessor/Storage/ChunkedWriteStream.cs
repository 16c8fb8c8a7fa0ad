using System.Security.Cryptography;

namespace Pipeline.StreamProcessor.Storage;

/// <summary>
/// A write-only stream that hands its content on in chunks of about <c>chunkSize</c> bytes as it is written (to be staged
/// as blocks of a blob), so memory holds one chunk, not the object, and hashes all of it (MD5, the Content-MD5 object
/// storage keeps) on the way. What is left when the writer is done (<see cref="Pending"/>) is the caller's: the whole
/// object when no chunk was handed on, which then goes up in one request as before.
/// </summary>
/// <remarks>
/// A synchronous <see cref="Write(byte[], int, int)"/> only buffers (it never does I/O on the caller's thread); chunks are
/// handed on by the asynchronous writes and flushes, which the Parquet writer uses for its pages.
/// </remarks>
internal sealed class ChunkedWriteStream(int chunkSize, Func<ReadOnlyMemory<byte>, CancellationToken, Task> handOn) : Stream
{
    private readonly MemoryStream _pending = new();
#pragma warning disable CA5351 // MD5 is what Blob Storage stores as Content-MD5; it identifies content, it protects nothing.
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
#pragma warning restore CA5351
    private long _handedOn;

    /// <summary>How many chunks were handed on so far.</summary>
    public int Chunks { get; private set; }

    /// <summary>The bytes written and not handed on yet.</summary>
    public ReadOnlyMemory<byte> Pending => new(_pending.GetBuffer(), 0, checked((int)_pending.Length));

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => _handedOn + _pending.Length;

    /// <summary>The bytes written so far (the Parquet writer records its pages' offsets from it).</summary>
    public override long Position
    {
        get => Length;
        set => throw new NotSupportedException();
    }

    /// <summary>The MD5 of everything written; call once, when the writer is done.</summary>
    public byte[] Hash() => _hash.GetHashAndReset();

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        _hash.AppendData(buffer);
        _pending.Write(buffer);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Write(buffer.Span);
        if (_pending.Length >= chunkSize)
        {
            await HandOnAsync(cancellationToken);
        }
    }

    /// <summary>Nothing is handed on by a flush: a chunk goes once it is full, the rest is the caller's (<see cref="Pending"/>).</summary>
    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Hands on what is pending as a chunk of its own (the last one, once the writer is done).</summary>
    public async Task HandOnAsync(CancellationToken cancellationToken)
    {
        if (_pending.Length == 0)
        {
            return;
        }

        await handOn(Pending, cancellationToken);
        _handedOn += _pending.Length;
        _pending.SetLength(0);
        Chunks++;
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _pending.Dispose();
            _hash.Dispose();
        }

        base.Dispose(disposing);
    }
}
