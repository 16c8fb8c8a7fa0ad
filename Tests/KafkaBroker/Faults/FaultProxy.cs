using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Pipeline.Tests.KafkaBroker.Faults;

/// <summary>
/// A TCP proxy between real clients and the embedded broker that injects the network faults Kafka clients
/// must survive: a lost response after the broker acted on the request (the client retries what already
/// happened), a response held back (a broker slow to answer one kind of request) and a member that goes
/// silent without leaving (the broker must expire it). The broker advertises
/// the proxy's port, so every connection of the client goes through it. Test-only; frames are only
/// delimited (4-byte size prefix), never interpreted beyond the API key and correlation id.
/// </summary>
internal sealed class FaultProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<TcpClient> _connections = [];
    private readonly Task _accepting;
    private int _brokerPort;
    private int _responsesToDrop;
    private short _dropApiKey = -1;
    private volatile string? _silentClientId;
    private short _holdApiKey = -1;
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _heldResponses;
    private short _recordApiKey = -1;

    public FaultProxy()
    {
        _listener.Start();
        _accepting = AcceptAsync();
    }

    /// <summary>The proxy's port: give it to the broker as its advertised port.</summary>
    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Responses dropped so far (the connection was cut right after the broker answered).</summary>
    public int DroppedResponses { get; private set; }

    /// <summary>Where the broker listens; set once it has started.</summary>
    public void ForwardTo(int brokerPort) => _brokerPort = brokerPort;

    /// <summary>For the next <paramref name="count"/> requests of <paramref name="apiKey"/>: forward, let the broker act, then cut the connection instead of answering.</summary>
    public void DropResponses(short apiKey, int count)
    {
        _dropApiKey = apiKey;
        Volatile.Write(ref _responsesToDrop, count);
    }

    /// <summary>
    /// From now on, holds every response to a request of <paramref name="apiKey"/> (the broker acted on it) until
    /// <see cref="ReleaseResponses"/>: a broker slow to answer. Later responses on the same connection wait behind it,
    /// as they would behind a slow broker.
    /// </summary>
    public void HoldResponses(short apiKey) => Volatile.Write(ref _holdApiKey, apiKey);

    /// <summary>Responses held back so far (counted when their hold starts).</summary>
    public int HeldResponses => Volatile.Read(ref _heldResponses);

    /// <summary>From now on, keeps a copy of every request frame of <paramref name="apiKey"/> (size prefix included) in <see cref="RecordedRequests"/>.</summary>
    public void RecordRequests(short apiKey) => Volatile.Write(ref _recordApiKey, apiKey);

    public System.Collections.Concurrent.ConcurrentQueue<byte[]> RecordedRequests { get; } = new();

    /// <summary>Sends every held response and stops holding.</summary>
    public void ReleaseResponses()
    {
        Volatile.Write(ref _holdApiKey, -1);
        _release.TrySetResult();
    }

    /// <summary>
    /// Stops forwarding, in both directions, the connections of the client that names itself
    /// <paramref name="clientId"/> (request header): its sockets stay open, so it looks alive to TCP but is
    /// silent to the broker: no heartbeat, no LeaveGroup, as when its process freezes or its host dies.
    /// </summary>
    public void GoSilent(string clientId) => _silentClientId = clientId;

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        lock (_connections)
        {
            foreach (var connection in _connections)
            {
                connection.Dispose();
            }
        }

        try
        {
            await _accepting;
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using var upstream = new TcpClient();
        lock (_connections)
        {
            _connections.Add(client);
            _connections.Add(upstream);
        }

        try
        {
            await upstream.ConnectAsync(IPAddress.Loopback, _brokerPort, _stop.Token);
            var pendingDrop = new HashSet<int>();
            var pendingHold = new HashSet<int>();
            string? clientId = null;
            using var cut = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            var requests = PumpAsync(client.GetStream(), upstream.GetStream(), () => clientId, frame =>
            {
                clientId ??= ReadClientId(frame);
                var apiKey = BinaryPrimitives.ReadInt16BigEndian(frame.AsSpan(4));
                if (apiKey == _dropApiKey && Interlocked.Decrement(ref _responsesToDrop) >= 0)
                {
                    lock (pendingDrop)
                    {
                        pendingDrop.Add(BinaryPrimitives.ReadInt32BigEndian(frame.AsSpan(8)));
                    }
                }

                if (apiKey == Volatile.Read(ref _recordApiKey))
                {
                    RecordedRequests.Enqueue(frame);
                }

                if (apiKey == Volatile.Read(ref _holdApiKey))
                {
                    lock (pendingHold)
                    {
                        pendingHold.Add(BinaryPrimitives.ReadInt32BigEndian(frame.AsSpan(8)));
                    }
                }

                return true;
            }, cut.Token);
            var responses = PumpAsync(upstream.GetStream(), client.GetStream(), () => clientId, frame =>
            {
                lock (pendingDrop)
                {
                    if (pendingDrop.Remove(BinaryPrimitives.ReadInt32BigEndian(frame.AsSpan(4))))
                    {
                        DroppedResponses++;
                        return false;
                    }
                }

                return true;
            }, cut.Token, frame =>
            {
                lock (pendingHold)
                {
                    if (!pendingHold.Remove(BinaryPrimitives.ReadInt32BigEndian(frame.AsSpan(4))) || _release.Task.IsCompleted)
                    {
                        return Task.CompletedTask;
                    }
                }

                Interlocked.Increment(ref _heldResponses);
                return _release.Task;
            });
            await Task.WhenAny(requests, responses);
            await cut.CancelAsync();
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or IOException or ObjectDisposedException)
        {
        }
        finally
        {
            client.Dispose();
        }
    }

    /// <summary>The client id of a request frame: size, api key, version, correlation id, then a nullable int16-length string.</summary>
    private static string? ReadClientId(byte[] frame)
    {
        var length = BinaryPrimitives.ReadInt16BigEndian(frame.AsSpan(12));
        return length < 0 ? null : System.Text.Encoding.UTF8.GetString(frame, 14, length);
    }

    /// <summary>
    /// Copies whole frames; stops (cutting the connection) when <paramref name="forward"/> says no; waits for the task
    /// <paramref name="holdUntil"/> returns before sending a frame.
    /// </summary>
    private async Task PumpAsync(
        NetworkStream from, NetworkStream to, Func<string?> clientId, Func<byte[], bool> forward, CancellationToken cancellationToken,
        Func<byte[], Task>? holdUntil = null)
    {
        var sizeBuffer = new byte[4];
        try
        {
            while (true)
            {
                await from.ReadExactlyAsync(sizeBuffer, cancellationToken);
                var size = BinaryPrimitives.ReadInt32BigEndian(sizeBuffer);
                var frame = new byte[4 + size];
                sizeBuffer.CopyTo(frame, 0);
                await from.ReadExactlyAsync(frame.AsMemory(4), cancellationToken);
                if (!forward(frame))
                {
                    return;
                }

                while (_silentClientId is { } silent && silent == clientId())
                {
                    await Task.Delay(50, cancellationToken);
                }

                if (holdUntil?.Invoke(frame) is { IsCompleted: false } hold)
                {
                    await hold.WaitAsync(cancellationToken);
                }

                await to.WriteAsync(frame, cancellationToken);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or EndOfStreamException or ObjectDisposedException)
        {
        }
    }
}
