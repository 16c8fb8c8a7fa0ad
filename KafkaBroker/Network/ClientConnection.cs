using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Pipeline.KafkaBroker.Handlers;
using Pipeline.KafkaBroker.Protocol;

namespace Pipeline.KafkaBroker.Network;

/// <summary>
/// One client TCP connection. Like Apache Kafka, requests of a connection are handled one at a
/// time and answered in order (kafka-python requires it); pipelined requests wait in the socket.
/// A malformed or oversized frame, an unknown API or an unsupported version closes this
/// connection only, with a log line: other clients never notice.
/// </summary>
internal sealed class ClientConnection(
    long id,
    Socket socket,
    BrokerContext broker,
    HandlerRegistry handlers,
    ILogger logger)
{
    public long Id { get; } = id;

    public string RemoteEndPoint { get; } = socket.RemoteEndPoint?.ToString() ?? "unknown";

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var clientHost = RemoteEndPoint;
        await using var stream = new NetworkStream(socket, ownsSocket: true);
        var reader = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 64 * 1024));
        var writer = PipeWriter.Create(stream, new StreamPipeWriterOptions(minimumBufferSize: 64 * 1024));
        using var response = new KafkaWriter(64 * 1024);
        var reason = "client closed the connection";
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var frame = await ReadFrameAsync(reader, cancellationToken);
                if (frame is null)
                {
                    break;
                }

                try
                {
                    if (!await HandleFrameAsync(frame.Value, clientHost, response, writer, cancellationToken))
                    {
                        reason = "request refused";
                        break;
                    }
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(frame.Value.Array!);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            reason = "broker stopping";
        }
        catch (ProtocolException ex)
        {
            reason = "malformed request";
            Log.MalformedRequest(logger, Id, RemoteEndPoint, ex.Message);
        }
        catch (IOException)
        {
            reason = "connection reset";
        }
        catch (SocketException)
        {
            reason = "connection reset";
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A broker bug must cost one connection, never the broker.
            reason = "internal error";
            Log.HandlerFailed(logger, ex, Id, RemoteEndPoint);
        }
        finally
        {
            await reader.CompleteAsync();
            await writer.CompleteAsync();
            Log.ConnectionClosed(logger, Id, RemoteEndPoint, reason);
        }
    }

    /// <summary>Reads one size-prefixed frame into a pooled array, or returns null at end of stream.</summary>
    private async ValueTask<ArraySegment<byte>?> ReadFrameAsync(PipeReader reader, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken);
            var buffer = result.Buffer;
            if (buffer.Length >= 4)
            {
                var size = ReadSize(buffer);
                if (size < 8 || size > broker.Options.MaxRequestBytes)
                {
                    reader.AdvanceTo(buffer.Start, buffer.End);
                    throw new ProtocolException(
                        $"Frame size {size} is outside [8, {broker.Options.MaxRequestBytes}] bytes.");
                }

                if (buffer.Length >= 4 + size)
                {
                    var array = ArrayPool<byte>.Shared.Rent(size);
                    buffer.Slice(4, size).CopyTo(array);
                    reader.AdvanceTo(buffer.GetPosition(4 + size));
                    broker.Metrics.BytesReceived.Add(4 + size);
                    return new ArraySegment<byte>(array, 0, size);
                }
            }

            if (result.IsCompleted)
            {
                if (buffer.Length > 0)
                {
                    reader.AdvanceTo(buffer.End);
                    throw new ProtocolException($"Connection closed inside a frame ({buffer.Length} bytes pending).");
                }

                reader.AdvanceTo(buffer.End);
                return null;
            }

            // Not a whole frame yet: mark everything examined so ReadAsync waits for more bytes.
            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    private static int ReadSize(ReadOnlySequence<byte> buffer)
    {
        Span<byte> size = stackalloc byte[4];
        buffer.Slice(0, 4).CopyTo(size);
        return BinaryPrimitives.ReadInt32BigEndian(size);
    }

    /// <summary>Handles one request; returns false when the connection must be closed.</summary>
    private async ValueTask<bool> HandleFrameAsync(
        ArraySegment<byte> frame, string clientHost, KafkaWriter response, PipeWriter writer, CancellationToken cancellationToken)
    {
        var request = new KafkaReader(frame.AsMemory());
        var header = RequestHeader.Read(request);
        var handler = handlers.Find(header.ApiKey);
        if (handler is null)
        {
            Log.UnsupportedApi(logger, Id, RemoteEndPoint, (short)header.ApiKey, header.ApiVersion);
            return false;
        }

        // ApiVersions answers any version itself (error 35 in a v0 body) so clients can downgrade.
        if (header.ApiKey != ApiKey.ApiVersions &&
            (header.ApiVersion < handler.MinVersion || header.ApiVersion > handler.MaxVersion))
        {
            Log.UnsupportedApi(logger, Id, RemoteEndPoint, (short)header.ApiKey, header.ApiVersion);
            return false;
        }

        var flexible = header.ApiVersion >= handler.FirstFlexibleVersion;
        if (flexible)
        {
            request.SkipTaggedFields(); // request header v2
        }

        Log.Request(logger, Id, header.ApiKey, header.ApiVersion, header.CorrelationId, header.ClientId);
        broker.Metrics.RequestHandled(header.ApiKey);
        response.Reset();
        var sizePosition = response.ReserveInt32();
        response.WriteInt32(header.CorrelationId);
        if (flexible && header.ApiKey != ApiKey.ApiVersions)
        {
            // Response header v1. ApiVersions always answers with header v0, so that a client can read
            // the answer whatever version it guessed.
            response.WriteEmptyTaggedFields();
        }
        var context = new RequestContext(header, clientHost, Id, broker);
        if (!await handler.HandleAsync(context, request, response, cancellationToken))
        {
            return true; // acks=0: no response, and the next request is answered normally
        }

        response.PatchInt32(sizePosition, response.Length - 4);
        await writer.WriteAsync(response.WrittenMemory, cancellationToken);
        broker.Metrics.BytesSent.Add(response.Length);
        return true;
    }
}
