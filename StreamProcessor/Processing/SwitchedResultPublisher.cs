using Pipeline.StreamProcessor.Windowing;

namespace Pipeline.StreamProcessor.Processing;

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

    public void PublishWindows(IReadOnlyList<WindowAggregate> closed)
    {
        if (_windows)
        {
            inner.PublishWindows(closed);
        }
    }

    public void Flush(TimeSpan timeout) => inner.Flush(timeout);
}
