using System.CommandLine;
using System.Globalization;
using System.Text;
using Pipeline.ServiceDefaults.Configuration;
using Pipeline.StreamProcessor.Contracts;
using Pipeline.StreamProcessor.Sinks;

namespace Pipeline.StreamProcessor.Inspection;

/// <summary>
/// Verbs to look at a run's output without Spark or pandas:
/// <c>inspect</c> prints row counts per id and the first rows; <c>export</c> writes a run to CSV.
/// </summary>
internal static class OutputCommands
{
    /// <summary>The export's events header: the id (from the folder name), then the raw-event columns in file order.</summary>
    private static readonly string s_eventsHeader = string.Join(',',
        RawEventColumnNames.Id, RawEventColumnNames.Timestamp, RawEventColumnNames.Value, RawEventColumnNames.Source, RawEventColumnNames.Key,
        RawEventColumnNames.KafkaPartition, RawEventColumnNames.KafkaOffset, RawEventColumnNames.KafkaTimestamp);

    public static bool Handles(string[] args) => args is ["inspect" or "export", ..];

    public static Task<int> InvokeAsync(string[] args)
    {
        // Without a flag, the run the service would write with the same environment (and its code defaults).
        var environment = new ConfigurationBuilder().AddEnvironmentVariables().Build();
        var defaults = new SinkOptions();
        var output = new Option<string>("--output")
        {
            Description = $"Output root ({SinkOptions.OutputPathAlias}).",
            DefaultValueFactory = _ => Setting(environment, nameof(SinkOptions.OutputPath), SinkOptions.OutputPathAlias) ?? defaults.OutputPath,
        };
        var run = new Option<string>("--run")
        {
            Description = $"Run id ({SinkOptions.RunIdAlias}).",
            DefaultValueFactory = _ => Setting(environment, nameof(SinkOptions.RunId), SinkOptions.RunIdAlias) ?? defaults.RunId,
        };
        var rows = new Option<int>("--rows") { Description = "How many rows to show.", DefaultValueFactory = _ => 10 };
        var to = new Option<string>("--to") { Description = "CSV file to write.", Required = true };
        var what = new Option<string>("--what") { Description = "events or aggregates.", DefaultValueFactory = _ => "events" };

        var inspect = new Command("inspect", "Row counts per id and the first rows of a run.") { output, run, rows };
        inspect.SetAction((result, ct) => InspectAsync(Reader(result.GetValue(output)!, result.GetValue(run)!), result.GetValue(rows), Console.Out, ct));
        var export = new Command("export", "Write a run's events or aggregates to CSV.") { output, run, to, what };
        export.SetAction((result, ct) => ExportAsync(Reader(result.GetValue(output)!, result.GetValue(run)!), result.GetValue(what)!, result.GetValue(to)!, Console.Out, ct));
        var root = new RootCommand("Inspect the StreamProcessor's Parquet output.") { inspect, export };
        return root.Parse(args).InvokeAsync();
    }

    private static string? Setting(IConfiguration environment, string property, string alias) =>
        ConfigurationAliases.GetValue(environment, ConfigurationPath.Combine(SinkOptions.SectionName, property), alias);

    private static OutputReader Reader(string output, string run) => new(new OutputLayout(output, run));

    internal static async Task<int> InspectAsync(OutputReader reader, int rows, TextWriter console, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(reader.Layout.RunDirectory))
        {
            await console.WriteLineAsync($"No run at {reader.Layout.RunDirectory}");
            return 1;
        }

        var counts = await reader.CountRowsByIdAsync(cancellationToken);
        await console.WriteLineAsync($"Run {reader.Layout.RunDirectory}");
        await console.WriteLineAsync("id | rows");
        long total = 0;
        foreach (var (id, count) in counts)
        {
            total += count;
            await console.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{id,2} | {count}"));
        }

        await console.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"total: {total} events"));
        await console.WriteLineAsync();
        await console.WriteLineAsync($"First {rows} events:");
        var shown = 0;
        await foreach (var row in reader.ReadEventsAsync(cancellationToken))
        {
            if (shown++ >= rows)
            {
                break;
            }

            await console.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"id={row.Id} ts={row.Timestamp:o} value={row.Value} source={row.Source} partition={row.KafkaPartition} offset={row.KafkaOffset}"));
        }

        var windows = new List<Windowing.WindowAggregate>();
        await foreach (var window in reader.ReadAggregatesAsync(cancellationToken))
        {
            windows.Add(window);
        }

        windows.Sort(Windowing.WindowOrder.Instance);
        await console.WriteLineAsync();
        await console.WriteLineAsync(Reporting.WindowTable.Render(
            $"{windows.Count} closed window(s); the first {Math.Min(rows, windows.Count)}:", windows.Take(rows).ToList()));
        return 0;
    }

    internal static async Task<int> ExportAsync(OutputReader reader, string what, string to, TextWriter console, CancellationToken cancellationToken)
    {
        await using var file = new StreamWriter(to, append: false, new UTF8Encoding(false));
        long count = 0;
        if (what == "aggregates")
        {
            await file.WriteLineAsync(string.Join(',', ClosedWindow.Columns.All));
            await foreach (var w in reader.ReadAggregatesAsync(cancellationToken))
            {
                count++;
                await file.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"{w.WindowStart:o},{w.WindowEnd:o},{w.Id},{w.Count},{w.Sum:R},{w.Average:R},{w.Min:R},{w.Max:R}"));
            }
        }
        else
        {
            await file.WriteLineAsync(s_eventsHeader);
            await foreach (var row in reader.ReadEventsAsync(cancellationToken))
            {
                count++;
                await file.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"{row.Id},{row.Timestamp:o},{row.Value:R},{Csv(row.Source)},{Csv(row.Key)},{row.KafkaPartition},{row.KafkaOffset},{row.KafkaTimestamp:o}"));
            }
        }

        await console.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"Wrote {count} {what} row(s) to {to}"));
        return 0;
    }

    private static string Csv(string? value) =>
        value is null ? string.Empty
        : value.AsSpan().IndexOfAny(",\"\n\r") < 0 ? value
        : "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
