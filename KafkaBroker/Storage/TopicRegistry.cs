using Microsoft.Extensions.Logging;

namespace Pipeline.KafkaBroker.Storage;

/// <summary>Every topic of the broker and its partition logs. (Skeleton: filled in by the storage work.)</summary>
internal sealed class TopicRegistry : IAsyncDisposable
{
    private TopicRegistry()
    {
    }

    public static Task<TopicRegistry> OpenAsync(
        KafkaBrokerOptions options, TimeProvider timeProvider, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(new TopicRegistry());
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
