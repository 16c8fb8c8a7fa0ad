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

    [LoggerMessage(EventId = 6, EventName = "NotDelivered", Level = LogLevel.Error,
        Message = "{Undelivered} of {Total} events were not delivered ({Failed} failed, {InFlight} unacknowledged when the flush gave up): {Reason}")]
    public static partial void NotDelivered(ILogger logger, long undelivered, long total, long failed, long inFlight, string reason);

    [LoggerMessage(EventId = 7, EventName = "PartialOutage", Level = LogLevel.Warning,
        Message = "Kafka partly unavailable: {Outage}; those messages wait in the client and are retried while the other partitions are delivered")]
    public static partial void PartialOutage(ILogger logger, string outage);

    [LoggerMessage(EventId = 8, EventName = "PartialOutageOver", Level = LogLevel.Information,
        Message = "Every partition of {Topic} has a reachable leader again")]
    public static partial void PartialOutageOver(ILogger logger, string topic);
}
