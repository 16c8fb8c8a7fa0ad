using Pipeline.StreamProcessor.Processing;
using Pipeline.StreamProcessor.Windowing;

namespace Pipeline.StreamProcessor.Kafka;

/// <summary>
/// The result publisher when an output topic is turned off (<see cref="ProcessorOptions.Off"/>): what would go to it is
/// not published. The engine still counts and logs every rejected message, and the closed windows still reach the
/// Parquet aggregates; only the Kafka copy is skipped.
/// </summary>
internal sealed class SwitchedResultPublisher(IResultPublisher inner, ProcessorOptions options) : IResultPublisher
{
    private readonly bool _deadLetters = options.PublishesDeadLetters;
    private readonly bool _windows = options.PublishesWindows;

    public void PublishRejected(in SourceMessage message)
    {
        if (_deadLetters)
        {
            inner.PublishRejected(in message);
        }
    }

    /// <summary>With the windows topic off, publishes none but still returns the lane's mark (its dead letters).</summary>
    public long PublishWindows(int partition, IReadOnlyList<WindowAggregate> closed) =>
        inner.PublishWindows(partition, _windows ? closed : []);

    public bool TryConfirm(int partition, long mark, TimeSpan wait) => inner.TryConfirm(partition, mark, wait);

    public void Forget(int partition) => inner.Forget(partition);
}
