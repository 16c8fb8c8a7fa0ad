using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Pipeline.StreamProcessor.Ingest;
using Pipeline.StreamProcessor.Windowing;

namespace Pipeline.Tests.Windowing;

public sealed class PartitionWindowsTests
{
    private static readonly DateTime s_t0 = new(2026, 11, 24, 12, 0, 0, DateTimeKind.Utc);
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(s_t0.AddMinutes(1)));
    private readonly WindowingOptions _options = new()
    {
        WindowSize = TimeSpan.FromSeconds(10),
        WatermarkDelay = TimeSpan.FromSeconds(5),
        IdleTimeout = TimeSpan.FromSeconds(30),
    };

    private static SensorEvent At(double seconds, int id = 1, double value = 1) => new(id, s_t0.AddSeconds(seconds), value, "test");

    [Fact]
    public void Add_InOrderEvents_ClosesEachWindowOnceTheWatermarkPassesItsEnd()
    {
        var sut = new PartitionWindows(_options, _clock);
        var closed = new List<WindowAggregate>();

        // [0,10): two events; max event time 8 s, watermark 3 s: nothing closes.
        Assert.True(sut.Add(At(1, value: 10)));
        Assert.True(sut.Add(At(8, value: 20)));
        sut.DrainClosed(closed);
        Assert.Empty(closed);
        Assert.Equal(s_t0.AddSeconds(3), sut.Watermark);

        // 15 s moves the watermark to exactly 10 s = the end of [0,10): it closes.
        Assert.True(sut.Add(At(15, value: 30)));
        sut.DrainClosed(closed);
        var window = Assert.Single(closed);
        Assert.Equal(new WindowAggregate(s_t0, s_t0.AddSeconds(10), 1, 2, 30, 10, 20), window);
        Assert.Equal(15, window.Average);

        // Draining again emits nothing: finals are exactly once.
        closed.Clear();
        sut.DrainClosed(closed);
        Assert.Empty(closed);
    }

    [Fact]
    public void Add_OutOfOrderWithinTheDelay_IsAggregated()
    {
        var sut = new PartitionWindows(_options, _clock);

        sut.Add(At(12));
        var accepted = sut.Add(At(9)); // watermark 7 s < end of [0,10)

        Assert.True(accepted);
        Assert.Equal(0, sut.LateEvents);
    }

    [Fact]
    public void Add_EventOfAClosedWindow_IsLateCountedAndNotAggregated()
    {
        var sut = new PartitionWindows(_options, _clock);
        var closed = new List<WindowAggregate>();
        sut.Add(At(5));
        sut.Add(At(20)); // watermark 15 s closes [0,10)
        sut.DrainClosed(closed);

        var accepted = sut.Add(At(9, value: 99));

        Assert.False(accepted);
        Assert.Equal(1, sut.LateEvents);
        Assert.Equal(1, Assert.Single(closed).Count);
        var open = new List<WindowAggregate>();
        sut.SnapshotOpen(open);
        Assert.DoesNotContain(open, w => w.Max == 99);
    }

    [Fact]
    public void Watermark_NeverMovesBack()
    {
        var sut = new PartitionWindows(_options, _clock);

        sut.Add(At(30));
        sut.Add(At(12));

        Assert.Equal(s_t0.AddSeconds(25), sut.Watermark);
        Assert.Equal(s_t0.AddSeconds(30), sut.MaxEventTime);
    }

    [Fact]
    public void AdvanceIdle_CaughtUpPartition_AdvancesFromTheLastEventAndClosesTheLastWindows()
    {
        var sut = new PartitionWindows(_options, _clock);
        var closed = new List<WindowAggregate>();
        sut.Add(At(1));

        // Not idle yet: the clock does not move the watermark.
        _clock.Advance(TimeSpan.FromSeconds(29));
        sut.AdvanceIdle(caughtUpAsOf: _clock.GetTimestamp());
        Assert.Equal(s_t0.AddSeconds(-4), sut.Watermark);

        // Idle: watermark = last event time + idle time - delay, past the window's end.
        _clock.Advance(TimeSpan.FromSeconds(1));
        sut.AdvanceIdle(caughtUpAsOf: _clock.GetTimestamp());
        sut.DrainClosed(closed);

        Assert.Equal(s_t0.AddSeconds(1 + 30 - 5), sut.Watermark);
        Assert.Single(closed);
    }

    [Fact]
    public void AdvanceIdle_PartitionWithBacklog_NeverAdvancesAndRestartsTheIdleClock()
    {
        var sut = new PartitionWindows(_options, _clock);
        var closed = new List<WindowAggregate>();
        sut.Add(At(1));

        // Slow to deliver but not idle: messages are waiting.
        _clock.Advance(TimeSpan.FromMinutes(5));
        sut.AdvanceIdle(caughtUpAsOf: null);
        Assert.Equal(s_t0.AddSeconds(-4), sut.Watermark);

        // Caught up: idleness counts from now, not from the last event.
        _clock.Advance(TimeSpan.FromSeconds(29));
        sut.AdvanceIdle(caughtUpAsOf: _clock.GetTimestamp());
        sut.DrainClosed(closed);

        Assert.Equal(s_t0.AddSeconds(-4), sut.Watermark);
        Assert.Empty(closed);
    }

    [Fact]
    public void AdvanceIdle_ConfirmationFromBeforeTheSilence_DoesNotMakeItIdle()
    {
        // Arrange: the leader confirmed the partition caught up, then an event came, then the leader stopped answering;
        // its last answer, still recent, is all there is.
        var sut = new PartitionWindows(_options, _clock);
        var closed = new List<WindowAggregate>();
        var confirmedAt = _clock.GetTimestamp();
        _clock.Advance(TimeSpan.FromSeconds(1));
        sut.Add(At(1));

        // Act: long past the idle timeout, with only that earlier answer.
        _clock.Advance(TimeSpan.FromMinutes(1));
        sut.AdvanceIdle(confirmedAt);
        sut.DrainClosed(closed);

        // Assert: the silence since is no idleness; the data the leader holds back would otherwise be late.
        Assert.Equal(s_t0.AddSeconds(-4), sut.Watermark);
        Assert.Empty(closed);
    }

    [Fact]
    public void AdvanceIdle_IdleTime_CountsUpToTheConfirmationNotUpToNow()
    {
        // Arrange: an event, then the leader confirms nothing new 40 s later, then stays silent.
        var sut = new PartitionWindows(_options, _clock);
        sut.Add(At(1));
        _clock.Advance(TimeSpan.FromSeconds(40));
        var confirmedAt = _clock.GetTimestamp();

        // Act
        _clock.Advance(TimeSpan.FromMinutes(10));
        sut.AdvanceIdle(confirmedAt);

        // Assert: last event time + 40 s - delay, not + 10 min.
        Assert.Equal(s_t0.AddSeconds(1 + 40 - 5), sut.Watermark);
    }

    [Fact]
    public void AdvanceIdle_NoEventEver_LeavesTheWatermarkUnset()
    {
        var sut = new PartitionWindows(_options, _clock);

        _clock.Advance(TimeSpan.FromMinutes(5));
        sut.AdvanceIdle(caughtUpAsOf: _clock.GetTimestamp());

        Assert.Null(sut.Watermark);
    }

    [Fact]
    public void ChangedSinceLastUpdate_ReturnsOnlyWindowsTouchedSinceThePreviousCall()
    {
        var sut = new PartitionWindows(_options, _clock);
        var changed = new List<WindowAggregate>();
        sut.Add(At(1, id: 1));
        sut.Add(At(2, id: 2));
        sut.ChangedSinceLastUpdate(changed);
        Assert.Equal([1, 2], changed.Select(w => w.Id));

        changed.Clear();
        sut.Add(At(3, id: 2, value: 7));
        sut.ChangedSinceLastUpdate(changed);

        var only = Assert.Single(changed);
        Assert.Equal(2, only.Id);
        Assert.Equal(2, only.Count);
    }

    [Fact]
    public void DrainClosed_OrdersByStartThenId()
    {
        var sut = new PartitionWindows(_options, _clock);
        var closed = new List<WindowAggregate>();
        sut.Add(At(11, id: 3));
        sut.Add(At(1, id: 2));
        sut.Add(At(2, id: 1));
        sut.Add(At(40));

        sut.DrainClosed(closed);

        Assert.Equal([(0, 1), (0, 2), (10, 3)], closed.Select(w => ((int)(w.WindowStart - s_t0).TotalSeconds, w.Id)));
    }

    [Fact]
    public void Restore_ThenContinue_EqualsProcessingWithoutInterruption()
    {
        // Property: for seeded random streams, snapshot + restore at any point changes nothing.
        const int Seed = 1124;
        var random = new Random(Seed);
        for (var run = 0; run < 50; run++)
        {
            var events = Enumerable.Range(0, 200)
                .Select(i => At(i * 0.5 + (random.NextDouble() * 8) - 4, id: random.Next(4), value: random.Next(100)))
                .ToList();
            var split = random.Next(events.Count);

            var straight = new PartitionWindows(_options, _clock);
            var expected = new List<WindowAggregate>();
            foreach (var e in events)
            {
                straight.Add(e);
                straight.DrainClosed(expected);
            }

            var first = new PartitionWindows(_options, _clock);
            var actual = new List<WindowAggregate>();
            foreach (var e in events[..split])
            {
                first.Add(e);
                first.DrainClosed(actual);
            }

            var open = new List<WindowAggregate>();
            first.SnapshotOpen(open);
            var second = PartitionWindows.Restore(_options, _clock, first.MaxEventTime, first.Watermark, open, first.LateEvents);
            foreach (var e in events[split..])
            {
                second.Add(e);
                second.DrainClosed(actual);
            }

            Assert.True(expected.SequenceEqual(actual), $"seed {Seed}, run {run}, split {split}");
            Assert.Equal(straight.LateEvents, second.LateEvents);
            Assert.Equal(straight.Watermark, second.Watermark);
        }
    }

    [Theory]
    [InlineData("00:00:00", "00:00:30", "00:00:30", "00:00:05", "WindowSize")]
    [InlineData("00:00:10", "-00:00:01", "00:00:30", "00:00:05", "WatermarkDelay")]
    [InlineData("00:00:10", "00:00:30", "00:00:00", "00:00:05", "IdleTimeout")]
    [InlineData("00:00:10", "00:00:30", "00:00:30", "00:00:00", "UpdateInterval")]
    public void Validator_InvalidSetting_FailsNamingIt(string size, string delay, string idle, string update, string setting)
    {
        var options = new WindowingOptions
        {
            WindowSize = TimeSpan.Parse(size, System.Globalization.CultureInfo.InvariantCulture),
            WatermarkDelay = TimeSpan.Parse(delay, System.Globalization.CultureInfo.InvariantCulture),
            IdleTimeout = TimeSpan.Parse(idle, System.Globalization.CultureInfo.InvariantCulture),
            UpdateInterval = TimeSpan.Parse(update, System.Globalization.CultureInfo.InvariantCulture),
        };

        var result = new WindowingOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        var failure = Assert.Single(result.Failures!);
        Assert.Contains("Pipeline:Windowing:" + setting, failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Validator_Defaults_AreValid() =>
        Assert.True(new WindowingOptionsValidator().Validate(null, Options.Create(new WindowingOptions()).Value).Succeeded);
}
