using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.KafkaBroker.Groups;
using Pipeline.KafkaBroker.Handlers;
using Pipeline.KafkaBroker.Network;
using Pipeline.KafkaBroker.Storage;
using Pipeline.KafkaBroker.Telemetry;

namespace Pipeline.KafkaBroker;

/// <summary>
/// An embedded single-node broker that speaks the Kafka wire protocol well enough for unmodified
/// clients (Confluent.Kafka/librdkafka, kcat, kafka-python, kafkajs). For development, demos and
/// tests; not a replacement for a Kafka cluster in production.
/// <code>
/// await using var broker = await KafkaBrokerServer.StartAsync(new KafkaBrokerOptions { Port = 0 });
/// var config = new ProducerConfig { BootstrapServers = broker.BootstrapServers };
/// </code>
/// </summary>
public sealed class KafkaBrokerServer : IAsyncDisposable
{
    private readonly ConnectionListener _listener;
    private readonly TopicRegistry _topics;
    private readonly GroupCoordinator _groups;
    private readonly LogRetention _retention;
    private readonly ILogger _logger;
    private int _stopped;

    private KafkaBrokerServer(
        ConnectionListener listener, TopicRegistry topics, GroupCoordinator groups, LogRetention retention, BrokerContext context, ILogger logger)
    {
        _listener = listener;
        _retention = retention;
        _topics = topics;
        _groups = groups;
        _logger = logger;
        Context = context;
    }

    /// <summary>The port the broker listens on (the real one when the options asked for port 0).</summary>
    public int Port => Context.BoundPort;

    /// <summary>What clients put in <c>bootstrap.servers</c>.</summary>
    public string BootstrapServers => $"{Context.AdvertisedHost}:{Context.AdvertisedPort}";

    internal BrokerContext Context { get; }

    /// <summary>
    /// Loads persisted state (when <see cref="KafkaBrokerOptions.DataDirectory"/> is set), binds and starts serving.
    /// The <see cref="KafkaBrokerTelemetry.MeterName"/> meter comes from <c>meterFactory</c> when given (a host's);
    /// without one the broker owns its meter, and disposing the broker disposes it.
    /// </summary>
    /// <exception cref="BrokerPortInUseException">Another socket already listens on the address and port.</exception>
    /// <exception cref="ArgumentException">A setting is invalid; the message names each one.</exception>
    public static async Task<KafkaBrokerServer> StartAsync(
        KafkaBrokerOptions options,
        ILoggerFactory? loggerFactory = null,
        TimeProvider? timeProvider = null,
        IMeterFactory? meterFactory = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Validate() is { Count: > 0 } errors)
        {
            throw new ArgumentException(string.Join(Environment.NewLine, errors), nameof(options));
        }

        loggerFactory ??= NullLoggerFactory.Instance;
        timeProvider ??= TimeProvider.System;
        var logger = loggerFactory.CreateLogger("Pipeline.KafkaBroker");

        var topics = await TopicRegistry.OpenAsync(options, timeProvider, loggerFactory, cancellationToken);
        GroupCoordinator? groups = null;
        ConnectionListener? listener = null;
        BrokerMetrics? metrics = null;
        LogRetention? retention = null;
        try
        {
            groups = await GroupCoordinator.OpenAsync(options, timeProvider, loggerFactory, cancellationToken);
            listener = ConnectionListener.Bind(options.Host, options.Port, logger);
            metrics = new BrokerMetrics(meterFactory, topics, listener.LocalEndPoint.Address.ToString(), listener.LocalEndPoint.Port);
            var context = new BrokerContext(options, listener.LocalEndPoint.Port, topics, groups, metrics, timeProvider, loggerFactory);
            retention = new LogRetention(topics, metrics, options.RetentionCheckInterval, timeProvider, loggerFactory.CreateLogger("Pipeline.KafkaBroker.Storage"));
            var server = new KafkaBrokerServer(listener, topics, groups, retention, context, logger);
            listener.Start(context, HandlerRegistry.CreateDefault());
            Log.BrokerStarted(logger, listener.LocalEndPoint.ToString(), server.BootstrapServers, options.DataDirectory ?? "memory only");
            return server;
        }
        catch
        {
            retention?.Dispose();
            if (listener is not null)
            {
                await listener.DisposeAsync();
            }

            if (groups is not null)
            {
                await groups.DisposeAsync();
            }

            await topics.DisposeAsync();
            metrics?.Dispose();
            throw;
        }
    }

    /// <summary>Stops accepting, closes every connection, then flushes and closes storage.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }

        await _listener.DisposeAsync();
        _retention.Dispose();
        await _groups.DisposeAsync();
        await _topics.DisposeAsync();
        Context.Metrics.Dispose();
        Log.BrokerStopped(_logger);
    }
}
