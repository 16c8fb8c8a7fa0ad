using System.Globalization;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Pipeline.Standalone.Dashboard;

/// <summary>Renders the live view: throughput, lag, latest closed windows per id, files committed, recent log.</summary>
internal sealed class StatusView(StandaloneOptions options, string bootstrapServers, string outputLocation, PipelineMetrics metrics, ClosedWindowsFeed windows, RecentLog log)
{
    private readonly TimeProvider _clock = TimeProvider.System;
    private long _lastAt = TimeProvider.System.GetTimestamp();
    private long _lastProduced;
    private long _lastConsumed;
    private double _producedRate;
    private double _consumedRate;

    /// <summary>Updates the per-second rates; call about once a second.</summary>
    public void Sample()
    {
        var now = _clock.GetTimestamp();
        var seconds = _clock.GetElapsedTime(_lastAt, now).TotalSeconds;
        if (seconds <= 0)
        {
            return;
        }

        var produced = metrics.Produced;
        var consumed = metrics.Consumed;
        _producedRate = (produced - _lastProduced) / seconds;
        _consumedRate = (consumed - _lastConsumed) / seconds;
        (_lastProduced, _lastConsumed, _lastAt) = (produced, consumed, now);
    }

    public IRenderable Render()
    {
        var partitions = metrics.Partitions;
        var lag = partitions.Where(static p => p.Value.Lag is not null).ToDictionary(static p => p.Key, static p => p.Value.Lag!.Value);
        var summary = new Grid().AddColumn().AddColumn();
        summary.AddRow("[bold]Kafka[/]", Markup.Escape($"{bootstrapServers}  topic {options.Topic} ({options.Partitions} partitions)"));
        summary.AddRow("[bold]Produced[/]", Markup.Escape(string.Create(CultureInfo.InvariantCulture, $"{metrics.Produced:N0}  ({_producedRate:N0}/s)")));
        summary.AddRow("[bold]Consumed[/]", Markup.Escape(string.Create(CultureInfo.InvariantCulture, $"{metrics.Consumed:N0}  ({_consumedRate:N0}/s)  rejected {metrics.Rejected:N0}  late {metrics.Late:N0}")));
        summary.AddRow("[bold]Lag[/]", Markup.Escape(lag.Count == 0 ? "-" : string.Join("  ", lag.OrderBy(p => p.Key).Select(p => $"p{p.Key}: {p.Value}"))));
        summary.AddRow("[bold]Windows[/]", Markup.Escape(OpenWindows(partitions)));
        summary.AddRow("[bold]Committed[/]", Markup.Escape(string.Create(CultureInfo.InvariantCulture, $"{metrics.RowsCommitted:N0} rows in {metrics.FilesCommitted:N0} files, {metrics.WindowsEmitted:N0} windows closed")));
        summary.AddRow("[bold]Output[/]", Markup.Escape(outputLocation));

        var table = new Table().Border(TableBorder.Rounded).Title("Latest closed window per id");
        foreach (var column in new[] { "id", "window", "count", "avg", "min", "max" })
        {
            table.AddColumn(new TableColumn(column).RightAligned());
        }

        foreach (var w in windows.Latest)
        {
            table.AddRow(
                w.Id.ToString(CultureInfo.InvariantCulture),
                $"{w.WindowStart:HH:mm:ss}-{w.WindowEnd:HH:mm:ss}",
                w.Count.ToString(CultureInfo.InvariantCulture),
                w.Average.ToString("0.00", CultureInfo.InvariantCulture),
                w.Min.ToString("0.00", CultureInfo.InvariantCulture),
                w.Max.ToString("0.00", CultureInfo.InvariantCulture));
        }

        var recent = new Rows(log.Lines.Select(line => (IRenderable)new Text(line)).ToArray());
        return new Rows(
            new Panel(summary).Header("Pipeline (Ctrl+C stops everything cleanly)"),
            table,
            new Panel(recent).Header("Recent log"));
    }

    /// <summary>
    /// Per partition: how far the watermark trails the clock (what keeps windows open), the window intervals open and
    /// the aggregates held for them (rows in state), e.g. <c>p0: watermark -31s, 4 open (17 rows)</c>.
    /// </summary>
    private static string OpenWindows(IReadOnlyDictionary<int, PartitionGauges> partitions) =>
        partitions.Count == 0
            ? "-"
            : string.Join("  ", partitions.OrderBy(static p => p.Key).Select(static p => string.Create(CultureInfo.InvariantCulture,
                $"p{p.Key}: watermark {(p.Value.WatermarkDelay is { } delay ? $"-{delay.TotalSeconds:F0}s" : "none")}, {p.Value.OpenWindows ?? 0} open ({p.Value.StateRows ?? 0} rows)")));

    /// <summary>One line for non-interactive output.</summary>
    public string Line()
    {
        var partitions = metrics.Partitions;
        var lag = partitions.Values.Sum(static p => p.Lag ?? 0);
        return string.Create(CultureInfo.InvariantCulture,
            $"{DateTime.Now:HH:mm:ss} produced {metrics.Produced} ({_producedRate:F0}/s), consumed {metrics.Consumed} ({_consumedRate:F0}/s), lag {lag}, " +
            $"rows committed {metrics.RowsCommitted} in {metrics.FilesCommitted} files, windows closed {metrics.WindowsEmitted}, " +
            $"open {partitions.Values.Sum(static p => p.OpenWindows ?? 0)} ({partitions.Values.Sum(static p => p.StateRows ?? 0)} rows in state)");
    }
}
