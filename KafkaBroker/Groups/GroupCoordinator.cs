using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Pipeline.KafkaBroker.Protocol;

namespace Pipeline.KafkaBroker.Groups;

/// <summary>
/// The classic group coordinator of this single node: groups by id, their committed offsets, and a
/// timer (from the injected <see cref="TimeProvider"/>, so tests can drive it) that expires sessions
/// and overdue rebalances.
/// </summary>
internal sealed class GroupCoordinator : IAsyncDisposable
{
    private static readonly TimeSpan s_tick = TimeSpan.FromMilliseconds(100);
    private readonly ConcurrentDictionary<string, ConsumerGroup> _groups = new(StringComparer.Ordinal);
    private readonly KafkaBrokerOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ITimer _timer;

    private GroupCoordinator(KafkaBrokerOptions options, TimeProvider time, ILogger logger)
    {
        _options = options;
        _time = time;
        _logger = logger;
        Offsets = new OffsetStore(options.DataDirectory);
        _timer = time.CreateTimer(_ => Tick(), null, s_tick, s_tick);
    }

    public OffsetStore Offsets { get; }

    public static Task<GroupCoordinator> OpenAsync(
        KafkaBrokerOptions options, TimeProvider timeProvider, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(new GroupCoordinator(options, timeProvider, loggerFactory.CreateLogger("Pipeline.KafkaBroker.Groups")));
    }

    public IReadOnlyCollection<ConsumerGroup> Groups => [.. _groups.Values];

    public ConsumerGroup? Find(string groupId) => _groups.GetValueOrDefault(groupId);

    public ConsumerGroup GetOrCreate(string groupId) =>
        _groups.GetOrAdd(groupId, id => new ConsumerGroup(id, _time, _options.GroupInitialRebalanceDelay, _logger));

    /// <summary>Session timeouts outside the broker's bounds are refused (error 26).</summary>
    public bool IsValidSessionTimeout(TimeSpan timeout) =>
        timeout >= _options.GroupMinSessionTimeout && timeout <= _options.GroupMaxSessionTimeout;

    public async Task<JoinResult> JoinAsync(
        string groupId, string memberId, string? instanceId, string clientId, string clientHost, short version,
        TimeSpan sessionTimeout, TimeSpan rebalanceTimeout, string protocolType, IReadOnlyList<(string, byte[])> protocols,
        CancellationToken cancellationToken)
    {
        if (groupId.Length == 0)
        {
            return JoinResult.Failed(ErrorCode.InvalidGroupId, memberId);
        }

        if (!IsValidSessionTimeout(sessionTimeout))
        {
            return JoinResult.Failed(ErrorCode.InvalidSessionTimeout, memberId);
        }

        var group = GetOrCreate(groupId);
        Task<JoinResult> pending;
        lock (group.Sync)
        {
            pending = group.Join(memberId, instanceId, clientId, clientHost, version, sessionTimeout, rebalanceTimeout, protocolType, protocols);
        }

        return await pending.WaitAsync(cancellationToken);
    }

    public async Task<SyncResult> SyncAsync(
        string groupId, string memberId, int generation, IReadOnlyDictionary<string, byte[]> assignments, CancellationToken cancellationToken)
    {
        if (Find(groupId) is not { } group)
        {
            return new SyncResult(ErrorCode.UnknownMemberId, []);
        }

        Task<SyncResult> pending;
        lock (group.Sync)
        {
            pending = group.SyncGroup(memberId, generation, assignments);
        }

        return await pending.WaitAsync(cancellationToken);
    }

    public ErrorCode Heartbeat(string groupId, string memberId, int generation)
    {
        if (Find(groupId) is not { } group)
        {
            return ErrorCode.UnknownMemberId;
        }

        lock (group.Sync)
        {
            return group.Heartbeat(memberId, generation);
        }
    }

    public ErrorCode Leave(string groupId, string memberId)
    {
        if (Find(groupId) is not { } group)
        {
            return ErrorCode.UnknownMemberId;
        }

        lock (group.Sync)
        {
            return group.Leave(memberId);
        }
    }

    /// <summary>Validates a commit against the group's membership and stores it (durably first, with a data directory).</summary>
    public ErrorCode Commit(string groupId, string memberId, int generation, IReadOnlyList<(string Topic, int Partition, CommittedOffset Offset)> commits)
    {
        if (groupId.Length == 0)
        {
            return ErrorCode.InvalidGroupId;
        }

        var group = Find(groupId);
        if (group is null)
        {
            if (generation >= 0)
            {
                return ErrorCode.IllegalGeneration;
            }

            group = GetOrCreate(groupId);
        }

        lock (group.Sync)
        {
            var error = group.ValidateCommit(memberId, generation);
            if (error == ErrorCode.None)
            {
                Offsets.Commit(groupId, commits);
            }

            return error;
        }
    }

    private void Tick()
    {
        foreach (var group in _groups.Values)
        {
            lock (group.Sync)
            {
                group.Tick();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _timer.DisposeAsync();
        Offsets.Dispose();
    }
}
