using System.Buffers.Binary;
using System.Net.Sockets;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Pipeline.KafkaBroker;

namespace Pipeline.Tests.KafkaBroker.Faults;

/// <summary>
/// Hostile or broken clients on raw TCP: each malformed frame costs its own connection (closed, with a log line)
/// and nothing else; silent and half-sent clients never stall the real clients next to them.
/// </summary>
public sealed class MalformedClientTests : IAsyncLifetime
{
    private readonly CapturingLoggerProvider _logs = new();
    private ILoggerFactory _loggerFactory = null!;
    private KafkaBrokerServer _broker = null!;

    public static TheoryData<string, byte[]> MalformedFrames => new()
    {
        { "oversized size prefix", Frame(int.MaxValue, []) },
        { "negative size prefix", Frame(-5, []) },
        { "frame shorter than a header", Frame(3, [0, 3, 0]) },
        { "unknown API key", Request(apiKey: 0x7ABC, version: 0, body: []) },
        { "unsupported version", Request(apiKey: 3, version: 99, body: []) },
        { "string longer than its frame", Request(apiKey: 3, version: 1, body: [0, 0, 0, 1, 0x7F, 0xFF]) },
        { "negative array length", Request(apiKey: 3, version: 1, body: [0x80, 0, 0, 0]) },
        { "random bytes", Frame(64, [.. Enumerable.Range(0, 64).Select(i => (byte)(i * 37 + 11))]) },
    };

    public async ValueTask InitializeAsync()
    {
        _loggerFactory = LoggerFactory.Create(builder => builder.AddProvider(_logs));
        _broker = await KafkaBrokerServer.StartAsync(new KafkaBrokerOptions { Port = 0 }, _loggerFactory,
            cancellationToken: TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await _broker.DisposeAsync();
        _loggerFactory.Dispose();
    }

    [Theory]
    [MemberData(nameof(MalformedFrames))]
    public async Task MalformedFrame_ClosesOnlyThatConnection_WithALogLine(string what, byte[] bytes)
    {
        // Arrange
        using var bystander = await ConnectAsync();

        // Act
        using var hostile = await ConnectAsync();
        await hostile.GetStream().WriteAsync(bytes, TestContext.Current.CancellationToken);

        // Assert: closed by the broker, reported, and everyone else still served.
        Assert.True(await IsClosedByBrokerAsync(hostile), $"The broker kept the connection open after: {what}.");
        var hostilePort = ":" + ((System.Net.IPEndPoint)hostile.Client.LocalEndPoint!).Port;
        Assert.Contains(_logs.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains(hostilePort, StringComparison.Ordinal));
        Assert.False(await IsClosedByBrokerAsync(bystander, TimeSpan.FromMilliseconds(200)), "A bystander connection was closed.");
        AssertBrokerServesRealClients();
    }

    [Fact]
    public async Task SilentAndHalfSentClients_DoNotStallTheOthers()
    {
        // Arrange: clients that connect and say nothing, or stop in the middle of a frame, and stay.
        var stalled = new List<TcpClient>();
        for (var i = 0; i < 20; i++)
        {
            var client = await ConnectAsync();
            if (i % 2 == 0)
            {
                await client.GetStream().WriteAsync(Frame(1000, new byte[10]).AsMemory(0, 14), TestContext.Current.CancellationToken);
            }

            stalled.Add(client);
        }

        try
        {
            // Act + Assert: a real producer and consumer are served while the stalled clients wait.
            AssertBrokerServesRealClients();
        }
        finally
        {
            stalled.ForEach(c => c.Dispose());
        }
    }

    [Fact]
    public async Task AbruptDisconnects_MidFrame_AreLoggedAndForgotten()
    {
        // Act: 50 clients vanish in the middle of a request.
        for (var i = 0; i < 50; i++)
        {
            using var client = await ConnectAsync();
            await client.GetStream().WriteAsync(Request(apiKey: 3, version: 1, body: [0, 0, 0, 0]).AsMemory(0, 9), TestContext.Current.CancellationToken);
            client.Client.LingerState = new LingerOption(true, 0); // RST, not FIN
        }

        // Assert
        AssertBrokerServesRealClients();
    }

    private void AssertBrokerServesRealClients()
    {
        var topic = "bystander-" + Guid.NewGuid().ToString("N")[..8];
        ProduceFetchTests.Produce(_broker.BootstrapServers, topic, ["still", "served"]);
        using var consumer = ProduceFetchTests.NewConsumer(_broker.BootstrapServers);
        consumer.Assign(new TopicPartitionOffset(topic, 0, Offset.Beginning));
        Assert.Equal("still", ProduceFetchTests.ConsumeOne(consumer).Message.Value);
        Assert.Equal("served", ProduceFetchTests.ConsumeOne(consumer).Message.Value);
    }

    private async Task<TcpClient> ConnectAsync()
    {
        var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", _broker.Port, TestContext.Current.CancellationToken);
        return client;
    }

    /// <summary>True when the broker closes (or resets) the connection within the timeout.</summary>
    private static async Task<bool> IsClosedByBrokerAsync(TcpClient client, TimeSpan? timeout = null)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(timeout ?? TimeSpan.FromSeconds(10));
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                if (await client.GetStream().ReadAsync(buffer, cts.Token) == 0)
                {
                    return true;
                }
            }
        }
        catch (IOException)
        {
            return true; // reset
        }
        catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    private static byte[] Frame(int size, byte[] payload)
    {
        var frame = new byte[4 + payload.Length];
        BinaryPrimitives.WriteInt32BigEndian(frame, size);
        payload.CopyTo(frame, 4);
        return frame;
    }

    /// <summary>A well-framed request with header v1 (client id "hostile") and the given body.</summary>
    private static byte[] Request(short apiKey, short version, byte[] body)
    {
        var clientId = "hostile"u8.ToArray();
        var payload = new byte[2 + 2 + 4 + 2 + clientId.Length + body.Length];
        BinaryPrimitives.WriteInt16BigEndian(payload, apiKey);
        BinaryPrimitives.WriteInt16BigEndian(payload.AsSpan(2), version);
        BinaryPrimitives.WriteInt32BigEndian(payload.AsSpan(4), 1);
        BinaryPrimitives.WriteInt16BigEndian(payload.AsSpan(8), (short)clientId.Length);
        clientId.CopyTo(payload, 10);
        body.CopyTo(payload, 10 + clientId.Length);
        return Frame(payload.Length, payload);
    }
}
