using Microsoft.Extensions.Logging;
using Pipeline.KafkaBroker.Protocol;

namespace Pipeline.KafkaBroker;

/// <summary>Every log line of the broker: connections and group changes at Information, requests at Debug.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1, EventName = "BrokerStarted", Level = LogLevel.Information,
        Message = "Kafka broker listening on {ListenEndPoint}, advertised as {BootstrapServers} (data: {DataDirectory})")]
    public static partial void BrokerStarted(ILogger logger, string listenEndPoint, string bootstrapServers, string dataDirectory);

    [LoggerMessage(EventId = 2, EventName = "BrokerStopped", Level = LogLevel.Information,
        Message = "Kafka broker stopped")]
    public static partial void BrokerStopped(ILogger logger);

    [LoggerMessage(EventId = 10, EventName = "ConnectionOpened", Level = LogLevel.Information,
        Message = "Connection {ConnectionId} opened from {RemoteEndPoint}")]
    public static partial void ConnectionOpened(ILogger logger, long connectionId, string remoteEndPoint);

    [LoggerMessage(EventId = 11, EventName = "ConnectionClosed", Level = LogLevel.Information,
        Message = "Connection {ConnectionId} from {RemoteEndPoint} closed: {Reason}")]
    public static partial void ConnectionClosed(ILogger logger, long connectionId, string remoteEndPoint, string reason);

    [LoggerMessage(EventId = 12, EventName = "MalformedRequest", Level = LogLevel.Warning,
        Message = "Closing connection {ConnectionId} from {RemoteEndPoint}: malformed request: {Detail}")]
    public static partial void MalformedRequest(ILogger logger, long connectionId, string remoteEndPoint, string detail);

    [LoggerMessage(EventId = 13, EventName = "UnsupportedApi", Level = LogLevel.Warning,
        Message = "Closing connection {ConnectionId} from {RemoteEndPoint}: API key {ApiKey} version {ApiVersion} is not supported")]
    public static partial void UnsupportedApi(ILogger logger, long connectionId, string remoteEndPoint, short apiKey, short apiVersion);

    [LoggerMessage(EventId = 14, EventName = "HandlerFailed", Level = LogLevel.Error,
        Message = "Closing connection {ConnectionId} from {RemoteEndPoint}: the request failed inside the broker")]
    public static partial void HandlerFailed(ILogger logger, Exception exception, long connectionId, string remoteEndPoint);

    [LoggerMessage(EventId = 15, EventName = "AcceptFailed", Level = LogLevel.Warning,
        Message = "Accepting a connection failed")]
    public static partial void AcceptFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 20, EventName = "Request", Level = LogLevel.Debug,
        Message = "Connection {ConnectionId}: {ApiKey} v{ApiVersion} correlation {CorrelationId} from client {ClientId}")]
    public static partial void Request(ILogger logger, long connectionId, ApiKey apiKey, short apiVersion, int correlationId, string? clientId);

    [LoggerMessage(EventId = 30, EventName = "TopicCreated", Level = LogLevel.Information,
        Message = "Topic {Topic} created with {Partitions} partition(s)")]
    public static partial void TopicCreated(ILogger logger, string topic, int partitions);

    [LoggerMessage(EventId = 31, EventName = "TopicDeleted", Level = LogLevel.Information,
        Message = "Topic {Topic} deleted")]
    public static partial void TopicDeleted(ILogger logger, string topic);

    [LoggerMessage(EventId = 32, EventName = "TopicLoaded", Level = LogLevel.Information,
        Message = "Topic {Topic} loaded: {Partitions} partition(s), {Messages} message(s)")]
    public static partial void TopicLoaded(ILogger logger, string topic, int partitions, long messages);

    [LoggerMessage(EventId = 33, EventName = "TornBatchTruncated", Level = LogLevel.Warning,
        Message = "Segment {Path}: cut {Bytes} byte(s) of a batch torn at position {Position} (never acknowledged)")]
    public static partial void TornBatchTruncated(ILogger logger, string path, long position, long bytes);

    [LoggerMessage(EventId = 34, EventName = "RetentionDeletedSegments", Level = LogLevel.Information,
        Message = "Partition {Topic}-{Partition}: retention deleted {Segments} segment(s) of {Bytes} byte(s); the log now starts at offset {LogStartOffset}")]
    public static partial void RetentionDeletedSegments(ILogger logger, string topic, int partition, int segments, long bytes, long logStartOffset);

    [LoggerMessage(EventId = 35, EventName = "RetentionFailed", Level = LogLevel.Error,
        Message = "Partition {Topic}-{Partition}: retention failed; it retries at the next check")]
    public static partial void RetentionFailed(ILogger logger, Exception exception, string topic, int partition);

    [LoggerMessage(EventId = 40, EventName = "MemberJoined", Level = LogLevel.Information,
        Message = "Group {GroupId}: member {MemberId} joined from {ClientHost}")]
    public static partial void MemberJoined(ILogger logger, string groupId, string memberId, string clientHost);

    [LoggerMessage(EventId = 41, EventName = "MemberRemoved", Level = LogLevel.Information,
        Message = "Group {GroupId}: member {MemberId} removed ({Reason})")]
    public static partial void MemberRemoved(ILogger logger, string groupId, string memberId, string reason);

    [LoggerMessage(EventId = 42, EventName = "RebalanceStarted", Level = LogLevel.Information,
        Message = "Group {GroupId}: rebalance after generation {Generation} ({Reason})")]
    public static partial void RebalanceStarted(ILogger logger, string groupId, int generation, string reason);

    [LoggerMessage(EventId = 43, EventName = "RebalanceCompleted", Level = LogLevel.Information,
        Message = "Group {GroupId}: generation {Generation} with {Members} member(s), leader {LeaderId}, assignor {Protocol}")]
    public static partial void RebalanceCompleted(ILogger logger, string groupId, int generation, int members, string leaderId, string protocol);

    [LoggerMessage(EventId = 44, EventName = "GroupStable", Level = LogLevel.Information,
        Message = "Group {GroupId}: generation {Generation} stable, {Members} member(s) assigned by {Protocol}")]
    public static partial void GroupStable(ILogger logger, string groupId, int generation, int members, string protocol);
}
