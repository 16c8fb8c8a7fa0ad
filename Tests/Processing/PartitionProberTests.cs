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
    public void IsCaughtUp_NoAnswerEver_IsFalse_AndTheSilenceBeyondTheBoundIsUnavailable()
    {
        _prober.Record(3, null);

        Assert.False(_prober.IsCaughtUp(3, 0));
        Assert.Empty(_prober.Unavailable([3]));
        _time.Advance(s_maxAge + TimeSpan.FromMilliseconds(1));
        Assert.Equal([3], _prober.Unavailable([3, 4]).Select(static u => u.Partition));
    }

    [Fact]
    public void IsCaughtUp_RecentAnswerAtThePosition_IsTrue_BeyondIt_IsFalse()
    {
        _prober.Record(0, new LogOffsets(0, 5));

        Assert.True(_prober.IsCaughtUp(0, 5));
        Assert.False(_prober.IsCaughtUp(0, 4));
    }

    [Fact]
    public void IsCaughtUp_AnswerOlderThanTheBound_IsFalse_EvenIfTheLogEndedAtThePosition()
    {
        _prober.Record(0, new LogOffsets(0, 5));
        _time.Advance(s_maxAge);
        _prober.Record(0, null); // the leader stopped answering
        Assert.True(_prober.IsCaughtUp(0, 5));

        _time.Advance(TimeSpan.FromMilliseconds(1));

        Assert.False(_prober.IsCaughtUp(0, 5));
        Assert.Equal([0], _prober.Unavailable([0]).Select(static u => u.Partition));
    }

    [Fact]
    public void IsCaughtUp_FreshLaneOrOneBelowTheLogStart_CountsFromTheLogStart()
    {
        _prober.Record(0, new LogOffsets(7, 7));

        Assert.True(_prober.IsCaughtUp(0, -1));
        Assert.True(_prober.IsCaughtUp(0, 2));
    }
}
