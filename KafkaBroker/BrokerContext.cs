using Microsoft.Extensions.Logging;
using Pipeline.KafkaBroker.Groups;
using Pipeline.KafkaBroker.Storage;
using Pipeline.KafkaBroker.Telemetry;

namespace Pipeline.KafkaBroker;

/// <summary>The broker's shared state, handed to every request handler.</summary>
internal sealed class BrokerContext(
    KafkaBrokerOptions options,
    int boundPort,
    TopicRegistry topics,
    GroupCoordinator groups,
    BrokerMetrics metrics,
    TimeProvider timeProvider,
    ILoggerFactory loggerFactory)
{
    public KafkaBrokerOptions Options { get; } = options;

    public int NodeId => Options.NodeId;

    /// <summary>Host clients are told to connect to (metadata, coordinator).</summary>
    public string AdvertisedHost { get; } = options.ResolveAdvertisedHost();

    /// <summary>The port actually bound (differs from the option when it was 0).</summary>
    public int BoundPort { get; } = boundPort;

    /// <summary>Port clients are told to connect to: the bound one unless a mapping is configured.</summary>
    public int AdvertisedPort { get; } = options.AdvertisedPort ?? boundPort;

    public string ClusterId { get; } = "pipeline-embedded-kafka";

    public TopicRegistry Topics { get; } = topics;

    public GroupCoordinator Groups { get; } = groups;

    public BrokerMetrics Metrics { get; } = metrics;

    public TimeProvider TimeProvider { get; } = timeProvider;

    public ILoggerFactory LoggerFactory { get; } = loggerFactory;
}
