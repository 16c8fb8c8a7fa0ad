using System.Globalization;
using System.Net.Sockets;

namespace Pipeline.KafkaBroker;

/// <summary>
/// The broker could not listen because another socket already holds its address and port: another
/// broker, or any other program. The runnable broker reports it in one line and exits with
/// <see cref="Hosting.BrokerExitCodes.PortInUse"/>.
/// </summary>
public sealed class BrokerPortInUseException : IOException
{
    public BrokerPortInUseException(string host, int port, SocketException innerException)
        : base(string.Create(CultureInfo.InvariantCulture,
            $"Port {port} on {host} is already in use: another broker or program listens there. Choose another with --port (0 picks a free one)."),
            innerException)
    {
        Host = host;
        Port = port;
    }

    /// <summary>The address the broker tried to listen on.</summary>
    public string Host { get; }

    /// <summary>The port that is taken.</summary>
    public int Port { get; }
}
