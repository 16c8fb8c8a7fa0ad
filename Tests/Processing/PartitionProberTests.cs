using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Pipeline.StreamProcessor;
using Pipeline.StreamProcessor.Processing;

namespace Pipeline.Tests.Processing;

/// <summary>The prober's facts: caught up only on a recent answer at or before the position; silence is unavailability.</summary>
public sealed class PartitionProberTests
{
    private static readonly TimeSpan s_maxAge = new ProcessorOptions().PartitionConfirmationMaxAge;
    private readonly FakeTimeProvider _time = new();
    private readonly PartitionProber _prober;

    public PartitionProberTests() => _prober = new PartitionProber(Options.Create(new ProcessorOptions()), _time);

    [Fact]
    public void CaughtUpAsOf_NoAnswerEver_IsFalse_AndTheSilenceBeyondTheBoundIsUnavailable()
    {
        _prober.Record(3, null);

        Assert.Null(_prober.CaughtUpAsOf(3, 0));
        Assert.Empty(_prober.Unavailable([3]));
        _time.Advance(s_maxAge + TimeSpan.FromMilliseconds(1));
        Assert.Equal([3], _prober.Unavailable([3, 4]).Select(static u => u.Partition));
    }

    [Fact]
    public void CaughtUpAsOf_RecentAnswerAtThePosition_IsTrue_BeyondIt_IsFalse()
    {
        _prober.Record(0, new LogOffsets(0, 5));

        Assert.NotNull(_prober.CaughtUpAsOf(0, 5));
        Assert.Null(_prober.CaughtUpAsOf(0, 4));
    }

    [Fact]
    public void CaughtUpAsOf_AnswerOlderThanTheBound_IsNull_EvenIfTheLogEndedAtThePosition()
    {
        _prober.Record(0, new LogOffsets(0, 5));
        var answeredAt = _time.GetTimestamp();
        _time.Advance(s_maxAge);
        Assert.Equal(answeredAt, _prober.CaughtUpAsOf(0, 5));

        _time.Advance(TimeSpan.FromMilliseconds(1));

        Assert.Null(_prober.CaughtUpAsOf(0, 5));
        Assert.Equal([0], _prober.Unavailable([0]).Select(static u => u.Partition));
    }

    [Fact]
    public void CaughtUpAsOf_LatestProbeUnanswered_IsNull_UntilTheLeaderAnswersAgain()
    {
        // Before: a recent answer still counted after the leader stopped answering, so a slow or down leader's
        // partition looked caught up for the whole bound and its windows closed early (the mock-cluster slow-leader run).
        _prober.Record(0, new LogOffsets(0, 5));
        _time.Advance(TimeSpan.FromSeconds(1));
        _prober.Record(0, null);

        Assert.Null(_prober.CaughtUpAsOf(0, 5));
        Assert.Empty(_prober.Unavailable([0]));

        _time.Advance(TimeSpan.FromSeconds(1));
        _prober.Record(0, new LogOffsets(0, 5));
        Assert.Equal(_time.GetTimestamp(), _prober.CaughtUpAsOf(0, 5));
    }

    [Fact]
    public void CaughtUpAsOf_FreshLaneOrOneBelowTheLogStart_CountsFromTheLogStart()
    {
        _prober.Record(0, new LogOffsets(7, 7));

        Assert.NotNull(_prober.CaughtUpAsOf(0, -1));
        Assert.NotNull(_prober.CaughtUpAsOf(0, 2));
    }
}
