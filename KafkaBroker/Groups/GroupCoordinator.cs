using Microsoft.Extensions.Logging;

namespace Pipeline.KafkaBroker.Groups;

/// <summary>Consumer groups and their committed offsets. (Skeleton: filled in by the group work.)</summary>
internal sealed class GroupCoordinator : IAsyncDisposable
{
    private GroupCoordinator()
    {
    }

    public static Task<GroupCoordinator> OpenAsync(
        KafkaBrokerOptions options, TimeProvider timeProvider, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(new GroupCoordinator());
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
