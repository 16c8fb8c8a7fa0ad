using System.Runtime.InteropServices;
using Pipeline.StreamProcessor.Ingest;

namespace Pipeline.StreamProcessor.Windowing;

/// <summary>
/// Tumbling event-time windows of one partition, with its watermark:
/// <list type="bullet">
/// <item>watermark = largest event time seen − <see cref="WindowingOptions.WatermarkDelay"/>, never moving back;</item>
/// <item>a window <c>[start, end)</c> closes when <c>end ≤ watermark</c>, and is drained (final) exactly once;</item>
/// <item>an event whose window has already closed is late: counted, not aggregated;</item>
/// <item>once the partition is caught up (nothing left to read) and has had no event for
/// <see cref="WindowingOptions.IdleTimeout"/>, its event time advances with the clock from the last event
/// (<c>max event time + idle time − delay</c>), so an idle partition's last windows still close.</item>
/// </list>
/// Single-threaded: one lane owns it. No allocation per event once a window exists.
/// </summary>
internal sealed class PartitionWindows
{
    private const long None = long.MinValue;
    private readonly long _sizeTicks;
    private readonly long _delayTicks;
    private readonly TimeSpan _idleTimeout;
    private readonly TimeProvider _timeProvider;
    private readonly Dictionary<WindowKey, Accumulator> _open = [];
    private readonly List<WindowKey> _changed = [];
    private readonly List<WindowKey> _closing = [];
    private long _maxEventTicks = None;
    private long _watermarkTicks = None;
    private long _lastEventAt;

    public PartitionWindows(WindowingOptions options, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
        _sizeTicks = options.WindowSize.Ticks;
        _delayTicks = options.WatermarkDelay.Ticks;
        _idleTimeout = options.IdleTimeout;
        _timeProvider = timeProvider;
        _lastEventAt = timeProvider.GetTimestamp();
    }

    /// <summary>The largest event time seen, or null before the first event.</summary>
    public DateTime? MaxEventTime => _maxEventTicks == None ? null : new DateTime(_maxEventTicks, DateTimeKind.Utc);

    /// <summary>The watermark, or null before the first event (and before any idle advance).</summary>
    public DateTime? Watermark => _watermarkTicks == None ? null : new DateTime(_watermarkTicks, DateTimeKind.Utc);

    /// <summary>Events that arrived after their window closed.</summary>
    public long LateEvents { get; private set; }

    /// <summary>Windows currently open: one aggregate per key and window (the rows of state a checkpoint holds).</summary>
    public int OpenCount => _open.Count;

    /// <summary>
    /// The distinct window intervals still open (many keys share one), counted through <paramref name="scratch"/> so
    /// no set is allocated per call. O(open aggregates): for periodic reports, not the hot path.
    /// </summary>
    public int CountOpenWindows(HashSet<long> scratch)
    {
        ArgumentNullException.ThrowIfNull(scratch);
        scratch.Clear();
        foreach (var key in _open.Keys)
        {
            scratch.Add(key.StartTicks);
        }

        return scratch.Count;
    }

    /// <summary>Aggregates the event; returns false when it is late (its window has closed).</summary>
    public bool Add(in SensorEvent e)
    {
        var ticks = e.Timestamp.Ticks;
        var start = WindowMath.WindowStartTicks(ticks, _sizeTicks);
        if (_watermarkTicks != None && WindowMath.WindowEndTicks(start, _sizeTicks) <= _watermarkTicks)
        {
            LateEvents++;
            return false;
        }

        var key = new WindowKey(start, e.Id);
        ref var window = ref CollectionsMarshal.GetValueRefOrAddDefault(_open, key, out var exists);
        if (!exists)
        {
            window = new Accumulator(e.Value);
        }
        else
        {
            window.Add(e.Value);
        }

        if (!window.Changed)
        {
            window.Changed = true;
            _changed.Add(key);
        }

        if (ticks > _maxEventTicks)
        {
            _maxEventTicks = ticks;
            RaiseWatermark(ticks - _delayTicks);
        }

        _lastEventAt = _timeProvider.GetTimestamp();
        return true;
    }

    /// <summary>
    /// Advances the watermark of an idle partition: one whose leader confirmed there is nothing more to read, and that had
    /// no event for the idle timeout before that confirmation.
    /// </summary>
    /// <param name="caughtUpAsOf">
    /// When (a <see cref="TimeProvider"/> timestamp) the partition's leader last confirmed its log ends at the lane's
    /// position; null when it did not: a backlog, or a leader that did not answer. A partition with a backlog is never
    /// idle, however long its events take to arrive (a restart behind thousands of messages of other partitions):
    /// advancing it would make its own backlog late. Idle time counts up to the confirmation, not up to now: an answer
    /// from before a leader stopped answering says nothing of what producers wrote since, and a null restarts the count
    /// (after an outage, producers get the idle timeout to deliver what they held).
    /// </param>
    /// <remarks>
    /// The advance is relative to the last event time, not to the wall clock: replayed or historical data whose
    /// event times lie far behind the clock still closes its last windows, and data that follows a pause is late
    /// only if it is older than the pause explains.
    /// </remarks>
    public void AdvanceIdle(long? caughtUpAsOf)
    {
        if (caughtUpAsOf is not { } confirmedAt)
        {
            _lastEventAt = _timeProvider.GetTimestamp(); // idleness counts from the moment there is nothing to read
            return;
        }

        var idle = _timeProvider.GetElapsedTime(_lastEventAt, confirmedAt);
        if (_maxEventTicks != None && idle >= _idleTimeout)
        {
            RaiseWatermark(_maxEventTicks + idle.Ticks - _delayTicks);
        }
    }

    /// <summary>Appends every window the watermark has passed, in (start, id) order, and forgets them.</summary>
    public void DrainClosed(List<WindowAggregate> destination)
    {
        if (_watermarkTicks == None)
        {
            return;
        }

        _closing.Clear();
        foreach (var (key, _) in _open)
        {
            if (WindowMath.WindowEndTicks(key.StartTicks, _sizeTicks) <= _watermarkTicks)
            {
                _closing.Add(key);
            }
        }

        _closing.Sort();
        foreach (var key in _closing)
        {
            _open.Remove(key, out var window);
            destination.Add(ToAggregate(key, window));
        }
    }

    /// <summary>Appends every open window in (start, id) order (live view, checkpoints).</summary>
    public void SnapshotOpen(List<WindowAggregate> destination)
    {
        var from = destination.Count;
        foreach (var (key, window) in _open)
        {
            destination.Add(ToAggregate(key, window));
        }

        destination.Sort(from, destination.Count - from, WindowOrder.Instance);
    }

    /// <summary>Appends the open windows changed since the previous call, in (start, id) order.</summary>
    public void ChangedSinceLastUpdate(List<WindowAggregate> destination)
    {
        var from = destination.Count;
        foreach (var key in _changed)
        {
            ref var window = ref CollectionsMarshal.GetValueRefOrNullRef(_open, key);
            if (!System.Runtime.CompilerServices.Unsafe.IsNullRef(ref window))
            {
                window.Changed = false;
                destination.Add(ToAggregate(key, window));
            }
        }

        _changed.Clear();
        destination.Sort(from, destination.Count - from, WindowOrder.Instance);
    }

    /// <summary>Rebuilds the state saved in a checkpoint.</summary>
    public static PartitionWindows Restore(
        WindowingOptions options,
        TimeProvider timeProvider,
        DateTime? maxEventTime,
        DateTime? watermark,
        IEnumerable<WindowAggregate> openWindows,
        long lateEvents)
    {
        ArgumentNullException.ThrowIfNull(openWindows);
        var windows = new PartitionWindows(options, timeProvider)
        {
            _maxEventTicks = maxEventTime?.Ticks ?? None,
            _watermarkTicks = watermark?.Ticks ?? None,
            LateEvents = lateEvents,
        };
        foreach (var window in openWindows)
        {
            windows._open[new WindowKey(window.WindowStart.Ticks, window.Id)] =
                new Accumulator(window.Count, window.Sum, window.Min, window.Max);
        }

        return windows;
    }

    private void RaiseWatermark(long candidate)
    {
        if (candidate > _watermarkTicks)
        {
            _watermarkTicks = candidate;
        }
    }

    private WindowAggregate ToAggregate(WindowKey key, Accumulator window) => new(
        new DateTime(key.StartTicks, DateTimeKind.Utc),
        new DateTime(WindowMath.WindowEndTicks(key.StartTicks, _sizeTicks), DateTimeKind.Utc),
        key.Id,
        window.Count,
        window.Sum,
        window.Min,
        window.Max);

    private readonly record struct WindowKey(long StartTicks, int Id) : IComparable<WindowKey>
    {
        public int CompareTo(WindowKey other)
        {
            var byStart = StartTicks.CompareTo(other.StartTicks);
            return byStart != 0 ? byStart : Id.CompareTo(other.Id);
        }
    }

    private struct Accumulator(long count, double sum, double min, double max)
    {
        public long Count = count;
        public double Sum = sum;
        public double Min = min;
        public double Max = max;
        public bool Changed;

        public Accumulator(double first)
            : this(1, first, first, first)
        {
        }

        public void Add(double value)
        {
            Count++;
            Sum += value;
            Min = Math.Min(Min, value);
            Max = Math.Max(Max, value);
        }
    }
}
