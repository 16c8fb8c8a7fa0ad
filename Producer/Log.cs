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
}
