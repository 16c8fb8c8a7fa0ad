using System.Globalization;
using Microsoft.Extensions.Options;
using Pipeline.StreamProcessor.Windowing;

namespace Pipeline.StreamProcessor.Reporting;

/// <summary>
/// The live view of open windows: at every update interval (<see cref="WindowingOptions.UpdateInterval"/>), the windows
/// that changed since the previous update, per partition, with the partition's watermark (Spark's "update" output mode).
/// </summary>
internal sealed class LiveView(IOptions<WindowingOptions> options, TimeProvider timeProvider, ILogger<LiveView> logger)
{
    private readonly List<WindowAggregate> _changed = [];
    private long _update;
    private long? _lastReport;

    /// <summary>The latest rendered update per partition (for terminal dashboards).</summary>
    public IReadOnlyDictionary<int, IReadOnlyList<WindowAggregate>> Latest => _latest;

    private readonly Dictionary<int, IReadOnlyList<WindowAggregate>> _latest = [];

    /// <summary>Renders the windows changed since the previous update, once an update interval has passed since it (the first call starts the clock).</summary>
    public void Report(IReadOnlyList<IReportedPartition> lanes)
    {
        var now = timeProvider.GetTimestamp();
        if (_lastReport is not { } last)
        {
            _lastReport = now;
            return;
        }

        if (timeProvider.GetElapsedTime(last, now) < options.Value.UpdateInterval)
        {
            return;
        }

        _lastReport = now;
        _update++;
        foreach (var lane in lanes)
        {
            _changed.Clear();
            lane.Windows.ChangedSinceLastUpdate(_changed);
            if (_changed.Count == 0)
            {
                continue;
            }

            _latest[lane.Partition] = [.. _changed];
            if (!logger.IsEnabled(LogLevel.Information))
            {
                continue;
            }

            var watermark = lane.Windows.Watermark?.ToString("HH:mm:ss", CultureInfo.InvariantCulture) ?? "none";
            var title = $"Update {_update}: {lane.Topic} partition {lane.Partition}, watermark {watermark}, {_changed.Count} window(s) changed";
            Log.WindowUpdate(logger, WindowTable.Render(title, _changed));
        }
    }
}
