using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Pipeline.StreamProcessor.Processing;

/// <summary>
/// What the brokers last said about each assigned partition's log: every <see cref="ProcessorOptions.PartitionProbeInterval"/>
/// the partition's leader is asked for its offsets (<see cref="IMessageSource.QueryOffsets"/>, a ListOffsets round trip),
/// and the answer is kept with the time it came. The client's cached high watermark is no such answer: it is only as new as
/// the last fetch response, and when a leader stops answering it goes stale and looks caught up. The one home of these
/// facts, for the idle advance of the windows (<see cref="CaughtUpAsOf"/>) and for health (<see cref="Unavailable"/>).
/// Thread-safe: probes run off the engine's thread.
/// </summary>
internal sealed class PartitionProber(IOptions<ProcessorOptions> options, TimeProvider timeProvider)
{
    private readonly ProcessorOptions _options = options.Value;
    private readonly ConcurrentDictionary<int, ProbeFacts> _facts = new();

    /// <summary>Probes the partitions every <see cref="ProcessorOptions.PartitionProbeInterval"/> until cancelled.</summary>
    public async Task RunAsync(IMessageSource source, Func<IReadOnlyCollection<int>> partitions, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(partitions);
        using var timer = new PeriodicTimer(_options.PartitionProbeInterval, timeProvider);
        try
        {
            do
            {
                await ProbeAsync(source, partitions(), cancellationToken);
            }
            while (await timer.WaitForNextTickAsync(cancellationToken));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>
    /// Asks every partition's leader at once (one slow leader delays no other partition's answer) and records the
    /// answers; forgets partitions no longer assigned.
    /// </summary>
    public async Task ProbeAsync(IMessageSource source, IReadOnlyCollection<int> partitions, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(partitions);
        foreach (var known in _facts.Keys)
        {
            if (!partitions.Contains(known))
            {
                _facts.TryRemove(known, out _);
            }
        }

        var timeout = _options.PartitionProbeTimeout;
        await Task.WhenAll(partitions.Select(partition => Task.Run(() => Record(partition, Query(source, partition, timeout)), cancellationToken)));
    }

    /// <summary>The leader's answer; a request that failed in any way is no answer (the loop must outlive any one failure).</summary>
    private static LogOffsets? Query(IMessageSource source, int partition, TimeSpan timeout)
    {
        try
        {
            return source.QueryOffsets(partition, timeout);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return null;
        }
    }

    /// <summary>Records one answer of the partition's leader, or its absence (null: no answer within the probe timeout).</summary>
    public void Record(int partition, LogOffsets? answer)
    {
        var now = timeProvider.GetTimestamp();
        _facts.AddOrUpdate(partition,
            static (_, state) => new ProbeFacts(state.Now, state.Answer is null ? null : state.Now, state.Answer ?? default, Answered: state.Answer is not null),
            static (_, previous, state) => state.Answer is { } answer
                ? previous with { ConfirmedAt = state.Now, Log = answer, Answered = true }
                : previous with { Answered = false },
            (Now: now, Answer: answer));
    }

    /// <summary>
    /// When the partition's leader last confirmed that its log ends at or before <paramref name="nextOffset"/> (a negative
    /// one, or one below the log start, is the log start: nothing before it can be read); null when it did not: its last
    /// answer shows more to read, its latest probe went unanswered, or its last answer is older than
    /// <see cref="ProcessorOptions.PartitionConfirmationMaxAge"/>. Silence is not idleness, and an answer from before a
    /// silence says nothing of what producers wrote since: idle time counts up to the confirmation, not up to now
    /// (<see cref="Windowing.PartitionWindows.AdvanceIdle"/>), and a probe that fails restarts it.
    /// </summary>
    public long? CaughtUpAsOf(int partition, long nextOffset) =>
        _facts.TryGetValue(partition, out var facts)
        && facts is { Answered: true, ConfirmedAt: { } confirmedAt }
        && timeProvider.GetElapsedTime(confirmedAt) <= _options.PartitionConfirmationMaxAge
        && facts.Log.High <= Math.Max(nextOffset, facts.Log.Low)
            ? confirmedAt
            : null;

    /// <summary>
    /// The partitions among <paramref name="assigned"/> whose leader has not answered for longer than
    /// <see cref="ProcessorOptions.PartitionConfirmationMaxAge"/> (since its last answer, or since the first probe), with
    /// how long; a partition not probed yet is not judged.
    /// </summary>
    public IReadOnlyList<(int Partition, TimeSpan Silent)> Unavailable(IEnumerable<int> assigned)
    {
        ArgumentNullException.ThrowIfNull(assigned);
        List<(int, TimeSpan)> unavailable = [];
        foreach (var partition in assigned)
        {
            if (_facts.TryGetValue(partition, out var facts)
                && timeProvider.GetElapsedTime(facts.ConfirmedAt ?? facts.FirstProbedAt) is var silent
                && silent > _options.PartitionConfirmationMaxAge)
            {
                unavailable.Add((partition, silent));
            }
        }

        return unavailable;
    }

    /// <summary>
    /// The leader's last answer for <paramref name="partition"/> (its log's offsets, null before any) and whether its latest
    /// probe was answered; null when the partition has not been probed yet. For reports: decisions use
    /// <see cref="CaughtUpAsOf"/> and <see cref="Unavailable"/>.
    /// </summary>
    public LeaderFacts? Leader(int partition) =>
        _facts.TryGetValue(partition, out var facts)
            ? new LeaderFacts(facts.ConfirmedAt is null ? null : facts.Log, facts.Answered,
                facts.ConfirmedAt is { } confirmedAt ? timeProvider.GetElapsedTime(confirmedAt) : null)
            : null;

    /// <summary>What is known of one partition: when it was first probed, and its leader's last answer (timestamps of the TimeProvider).</summary>
    private sealed record ProbeFacts(long FirstProbedAt, long? ConfirmedAt, LogOffsets Log, bool Answered);
}

/// <summary>A partition's log as its leader reported it: the first offset still held and the next offset to be written.</summary>
internal readonly record struct LogOffsets(long Low, long High);

/// <summary>What a partition's leader last said: its log (null before any answer), whether it answered the latest probe, and how long ago it last answered.</summary>
internal readonly record struct LeaderFacts(LogOffsets? Log, bool Answering, TimeSpan? SinceAnswer);
