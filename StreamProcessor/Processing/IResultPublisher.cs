using Pipeline.StreamProcessor.Windowing;

namespace Pipeline.StreamProcessor.Processing;

/// <summary>
/// Where rejected messages and closed windows go besides the files (Kafka topics in the service). Every message is
/// tracked with the lane (input partition) that produced it, so a lane waits for its own acknowledgements only: one
/// results partition that cannot take messages holds back the lanes whose messages went there, not every lane.
/// </summary>
internal interface IResultPublisher
{
    /// <summary>Dead-letters a rejected message, as one of its partition's lane.</summary>
    void PublishRejected(in SourceMessage message);

    /// <summary>
    /// Publishes the windows a batch of <paramref name="partition"/>'s lane closed; returns the lane's mark, which
    /// <see cref="TryConfirm"/> waits up to: the batch's dead letters and windows, not the rejects of the lane's next batch.
    /// </summary>
    long PublishWindows(int partition, IReadOnlyList<WindowAggregate> closed);

    /// <summary>
    /// Whether everything the lane published up to <paramref name="mark"/> is acknowledged, waiting at most <paramref name="wait"/>. Throws
    /// <see cref="ResultPublishException"/> when a delivery failed; the next call publishes again the messages whose
    /// failure was reported (only those: what the broker acknowledged never is), then waits for them.
    /// </summary>
    bool TryConfirm(int partition, long mark, TimeSpan wait);

    /// <summary>Stops tracking the lane's messages (its partition went elsewhere: the next owner replays them).</summary>
    void Forget(int partition);
}

/// <summary>A dead-letter or window message was refused: the batch is not committed.</summary>
internal sealed class ResultPublishException(string message, Exception? innerException = null) : Exception(message, innerException);
