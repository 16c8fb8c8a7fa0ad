namespace Pipeline.StreamProcessor.Reporting;

/// <summary>
/// What one lane has done since it was opened: messages consumed, its commits (the last one, and totals for averages
/// and rates), and the commits not yet summarised in the Information log line. Written and read on the engine's thread
/// only; the HTTP thread sees it through <see cref="ProgressTracker"/>'s published snapshots, never directly.
/// </summary>
internal sealed class LaneProgress(long openedAt, long? committedOffset)
{
    private CommitSummary _unlogged;
    private long? _loggedAt;

    /// <summary><see cref="TimeProvider.GetTimestamp"/> when the lane was opened (the start of its per-hour rates).</summary>
    public long OpenedAt { get; } = openedAt;

    /// <summary>The next offset of the partition's checkpoint: the one it resumed from, then each commit's.</summary>
    public long? CommittedOffset { get; private set; } = committedOffset;

    /// <summary>Messages consumed (valid or not, replays excluded) since the lane was opened.</summary>
    public long Consumed { get; private set; }

    /// <summary>Messages committed since the lane was opened.</summary>
    public long CommittedMessages { get; private set; }

    public long Commits { get; private set; }

    public long FilesCommitted { get; private set; }

    public TimeSpan TotalCommitDuration { get; private set; }

    /// <summary>The last commit, or null before the first.</summary>
    public CommitFacts? LastCommit { get; private set; }

    public void CountConsumed() => Consumed++;

    /// <summary>Records a commit; returns the summary of the commits since the last line when one is due (at most one per <paramref name="logInterval"/>).</summary>
    public bool RecordCommit(in CommitFacts commit, long now, TimeSpan logInterval, TimeProvider timeProvider, out CommitSummary summary)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        if (commit.NextOffset >= 0)
        {
            CommittedOffset = commit.NextOffset;
        }

        CommittedMessages += commit.Messages;
        Commits++;
        FilesCommitted += commit.Files;
        TotalCommitDuration += commit.Duration;
        LastCommit = commit;
        _unlogged = _unlogged.Add(commit);

        // The first commit is logged at once (the run is visibly moving), later ones at most once per interval; commits
        // in between are summed into the next line, so no commit goes uncounted.
        if (_loggedAt is { } loggedAt && timeProvider.GetElapsedTime(loggedAt, now) < logInterval)
        {
            summary = default;
            return false;
        }

        summary = _unlogged;
        _unlogged = default;
        _loggedAt = now;
        return true;
    }

    /// <summary>The commits not yet in a line (false when none), for a last line when the lane goes (revoke, loss, stop).</summary>
    public bool TakeUnlogged(out CommitSummary summary)
    {
        summary = _unlogged;
        _unlogged = default;
        return summary.Commits > 0;
    }
}

/// <summary>One commit of a lane: its offsets <c>[FirstOffset, NextOffset)</c> (FirstOffset -1: no message, windows an idle clock closed).</summary>
internal readonly record struct CommitFacts(
    long FirstOffset, long NextOffset, int Messages, long Rows, int Files, int Windows, TimeSpan Duration, DateTimeOffset At);

/// <summary>The commits a log line summarises: how many, the offsets they covered, and what they wrote.</summary>
internal readonly record struct CommitSummary(int Commits, long FirstOffset, long NextOffset, long Rows, int Files, int Windows)
{
    public CommitSummary Add(in CommitFacts commit) => new(
        Commits + 1,
        Commits == 0 || FirstOffset < 0 ? commit.FirstOffset : FirstOffset,
        commit.NextOffset >= 0 ? commit.NextOffset : NextOffset,
        Rows + commit.Rows,
        Files + commit.Files,
        Windows + commit.Windows);
}
