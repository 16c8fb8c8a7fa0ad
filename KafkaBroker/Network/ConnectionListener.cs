using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Pipeline.KafkaBroker.Handlers;

namespace Pipeline.KafkaBroker.Network;

/// <summary>Accepts TCP connections and runs each on its own task until the broker stops.</summary>
internal sealed class ConnectionListener : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<long, Task> _connections = new();
    private Task? _acceptLoop;
    private long _nextConnectionId;

    private ConnectionListener(Socket listener, ILogger logger)
    {
        _listener = listener;
        _logger = logger;
    }

    public IPEndPoint LocalEndPoint => (IPEndPoint)_listener.LocalEndPoint!;

    /// <summary>Binds the listening socket (so the port is known before handlers are built).</summary>
    public static ConnectionListener Bind(string host, int port, ILogger logger)
    {
        var address = host switch
        {
            "localhost" => IPAddress.Loopback,
            "*" or "0.0.0.0" => IPAddress.Any,
            "::" or "[::]" => IPAddress.IPv6Any,
            _ => IPAddress.Parse(host),
        };
        // No ReuseAddress option: on Linux and macOS .NET maps it to SO_REUSEPORT as well, which lets a
        // second broker listen on the same port and the kernel split the connections between the two.
        // Rebinding a port whose old connections are in TIME_WAIT needs only SO_REUSEADDR, which .NET
        // sets by itself on every TCP bind on Unix (and Windows allows by default).
        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(new IPEndPoint(address, port));
            socket.Listen(512);
            return new ConnectionListener(socket, logger);
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            socket.Dispose();
            throw new BrokerPortInUseException(address.ToString(), port, ex);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public void Start(BrokerContext broker, HandlerRegistry handlers) =>
        _acceptLoop = AcceptLoopAsync(broker, handlers, _stopping.Token);

    private async Task AcceptLoopAsync(BrokerContext broker, HandlerRegistry handlers, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException ex)
            {
                Log.AcceptFailed(_logger, ex);
                continue;
            }

            socket.NoDelay = true;
            var id = Interlocked.Increment(ref _nextConnectionId);
            var connection = new ClientConnection(id, socket, broker, handlers, _logger);
            Log.ConnectionOpened(_logger, id, connection.RemoteEndPoint);
            broker.Metrics.Connections.Add(1);
            _connections[id] = RunConnectionAsync(connection, broker, cancellationToken);
        }
    }

    private async Task RunConnectionAsync(ClientConnection connection, BrokerContext broker, CancellationToken cancellationToken)
    {
        await Task.Yield();
        try
        {
            await connection.RunAsync(cancellationToken);
        }
        finally
        {
            broker.Metrics.Connections.Add(-1);
            _connections.TryRemove(connection.Id, out _);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener.Dispose();
        if (_acceptLoop is not null)
        {
            await _acceptLoop;
        }

        await Task.WhenAll(_connections.Values);
        _stopping.Dispose();
    }
}
