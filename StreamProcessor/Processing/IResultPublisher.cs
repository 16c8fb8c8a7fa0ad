using Pipeline.StreamProcessor.Windowing;

namespace Pipeline.StreamProcessor.Processing;

/// <summary>Where rejected messages and closed windows go besides the files (Kafka topics in the service).</summary>
internal interface IResultPublisher
{
    void PublishRejected(in SourceMessage message);

    void PublishWindows(IReadOnlyList<WindowAggregate> closed);

    /// <summary>
    /// Returns once everything published is durable; throws <see cref="ResultPublishException"/> when a message was refused,
    /// <see cref="TimeoutException"/> when one is still unacknowledged.
    /// </summary>
    void Flush(TimeSpan timeout);
}

/// <summary>A dead-letter or window message was refused: the batch is not committed.</summary>
internal sealed class ResultPublishException(string message, Exception? innerException = null) : Exception(message, innerException);
