namespace Pipeline.Producer;

internal static partial class Log
{
    [LoggerMessage(EventId = 1, EventName = "Starting", Level = LogLevel.Information,
        Message = "Publishing to {Topic} at {Rate} (seed {Seed}, {Total} events)")]
    public static partial void Starting(ILogger logger, string topic, string rate, int seed, string total);

    [LoggerMessage(EventId = 2, EventName = "Stopped", Level = LogLevel.Information,
        Message = "Producer stopped: {Delivered} delivered, {Failed} failed, {Undelivered} still in flight after flushing")]
    public static partial void Stopped(ILogger logger, long delivered, long failed, int undelivered);

    [LoggerMessage(EventId = 3, EventName = "DeliveryFailed", Level = LogLevel.Warning,
        Message = "Delivery to {Topic} failed: {Reason}")]
    public static partial void DeliveryFailed(ILogger logger, string topic, string reason);

    [LoggerMessage(EventId = 4, EventName = "QueueFull", Level = LogLevel.Debug,
        Message = "Client queue full; waiting for deliveries")]
    public static partial void QueueFull(ILogger logger);

    [LoggerMessage(EventId = 5, EventName = "Done", Level = LogLevel.Information,
        Message = "All {Total} events delivered; stopping")]
    public static partial void Done(ILogger logger, long total);

    [LoggerMessage(EventId = 6, EventName = "ClientConfig", Level = LogLevel.Debug,
        Message = "Kafka producer config: {Config}")]
    public static partial void ClientConfig(ILogger logger, string config);

    [LoggerMessage(EventId = 7, EventName = "ClientError", Level = LogLevel.Warning,
        Message = "Kafka client: {Reason} (fatal: {IsFatal})")]
    public static partial void ClientError(ILogger logger, string reason, bool isFatal);

    [LoggerMessage(EventId = 8, EventName = "BrokersDown", Level = LogLevel.Warning,
        Message = "Lost the connection to every Kafka broker; messages wait in the client and are retried")]
    public static partial void BrokersDown(ILogger logger);

    [LoggerMessage(EventId = 9, EventName = "BrokersReconnected", Level = LogLevel.Information,
        Message = "Reconnected to Kafka: deliveries resumed")]
    public static partial void BrokersReconnected(ILogger logger);
}
