using System.Globalization;
using System.Text;
using Pipeline.StreamProcessor.Contracts;
using Pipeline.StreamProcessor.Windowing;

namespace Pipeline.StreamProcessor.Reporting;

/// <summary>Renders windows as a compact fixed-width table, like Spark's console sink.</summary>
internal static class WindowTable
{
    private static readonly string[] s_headers = 
    [
        ClosedWindow.Columns.WindowStart, ClosedWindow.Columns.WindowEnd, ClosedWindow.Columns.Id, ClosedWindow.Columns.Count,
        ClosedWindow.Columns.Average, ClosedWindow.Columns.Min, ClosedWindow.Columns.Max,
    ];

    public static string Render(string title, IReadOnlyList<WindowAggregate> windows)
    {
        var rows = new List<string[]>(windows.Count);
        foreach (var w in windows)
        {
            rows.Add(
            [
                w.WindowStart.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
                w.WindowEnd.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
                w.Id.ToString(CultureInfo.InvariantCulture),
                w.Count.ToString(CultureInfo.InvariantCulture),
                w.Average.ToString("0.00", CultureInfo.InvariantCulture),
                w.Min.ToString("0.00", CultureInfo.InvariantCulture),
                w.Max.ToString("0.00", CultureInfo.InvariantCulture),
            ]);
        }

        var widths = new int[s_headers.Length];
        for (var c = 0; c < widths.Length; c++)
        {
            widths[c] = s_headers[c].Length;
            foreach (var row in rows)
            {
                widths[c] = Math.Max(widths[c], row[c].Length);
            }
        }

        var separator = "+" + string.Join("+", widths.Select(w => new string('-', w))) + "+";
        var text = new StringBuilder();
        text.AppendLine(title);
        text.AppendLine(separator);
        AppendRow(text, s_headers, widths);
        text.AppendLine(separator);
        foreach (var row in rows)
        {
            AppendRow(text, row, widths);
        }

        text.Append(separator);
        return text.ToString();
    }

    private static void AppendRow(StringBuilder text, string[] cells, int[] widths)
    {
        text.Append('|');
        for (var c = 0; c < cells.Length; c++)
        {
            text.Append(cells[c].PadLeft(widths[c])).Append('|');
        }

        text.AppendLine();
    }
}
