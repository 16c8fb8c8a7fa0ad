using Pipeline.KafkaBroker.Protocol;

namespace Pipeline.KafkaBroker.Handlers;

/// <summary>What a handler knows about the request in hand and the connection it came from.</summary>
internal sealed record RequestContext(RequestHeader Header, string ClientHost, long ConnectionId, BrokerContext Broker)
{
    public short Version => Header.ApiVersion;

    public string ClientId => Header.ClientId ?? string.Empty;
}
