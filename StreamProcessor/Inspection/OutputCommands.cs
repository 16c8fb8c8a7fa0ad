using System.CommandLine;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Options;
using Pipeline.ServiceDefaults.Configuration;
using Pipeline.StreamProcessor.Contracts;
using Pipeline.StreamProcessor.Sinks;

namespace Pipeline.StreamProcessor.Inspection;

/// <summary>
/// Verbs to look at a run's output without Spark or pandas, from a local folder or from Azure Blob Storage (when
/// <c>ConnectionStrings:output</c> is set, as for the service): <c>inspect</c> prints row counts per id and the first
/// rows; <c>export</c> writes a run's events or aggregates to CSV, or copies its files to a local folder.
/// </summary>
internal static class OutputCommands
{
    /// <summary>The export's events header: the id (from the folder name), then the raw-event columns in file order.</summary>
    private static readonly string s_eventsHeader = string.Join(',',
        RawEventColumnNames.Id, RawEventColumnNames.Timestamp, RawEventColumnNames.Value, RawEventColumnNames.Source, RawEventColumnNames.Key,
        RawEventColumnNames.KafkaPartition, RawEventColumnNames.KafkaOffset, RawEventColumnNames.KafkaTimestamp);

    public static bool Handles(string[] args) => args is ["inspect" or "export", ..];

    public static Task<int> InvokeAsync(string[] args) => InvokeAsync(args, AppContext.BaseDirectory);

    /// <param name="args">The verb, its flags, and any configuration the service's command line would take (<c>--Key=Value</c>).</param>
    /// <param name="contentRoot">Where <c>appsettings.json</c> is read from: the service's own folder, as for the service.</param>
    internal static Task<int> InvokeAsync(string[] args, string contentRoot)
    {
        // Without a flag, the run the service would write with the same settings: its appsettings.json, environment
        // and command-line configuration, bound the service's way (highest first: flag, command line,
        // Section__Key variable, alias, appsettings.json, code default).
        string[] flagNames = ["--output", "--run", "--rows", "--to", "--what"];
        var configuration = args.Where(a => IsConfigurationArgument(a, flagNames)).ToArray();
        var sink = ReadSinkOptions(configuration, contentRoot);
        var output = new Option<string>(flagNames[0])
        {
            Description = $"Output root (default: {SinkOptions.SectionName}:{nameof(SinkOptions.OutputPath)} or {SinkOptions.OutputPathAlias}, as for the service).",
            DefaultValueFactory = _ => sink.OutputPath,
        };
        var run = new Option<string>(flagNames[1])
        {
            Description = $"Run id (default: {SinkOptions.SectionName}:{nameof(SinkOptions.RunId)} or {SinkOptions.RunIdAlias}, as for the service).",
            DefaultValueFactory = _ => sink.RunId,
        };
        var rows = new Option<int>(flagNames[2]) { Description = "How many rows to show.", DefaultValueFactory = _ => 10 };
        var to = new Option<string>(flagNames[3]) { Description = "CSV file to write (a folder for --what files).", Required = true };
        var what = new Option<string>(flagNames[4])
        {
            Description = "events or aggregates (CSV), or files (a copy of the run's Parquet files and checkpoints, e.g. from blobs for DuckDB).",
            DefaultValueFactory = _ => "events",
        };
        what.AcceptOnlyFromAmong("events", "aggregates", "files");

        var inspect = new Command("inspect", "Row counts per id and the first rows of a run.") { output, run, rows };
        inspect.SetAction((result, ct) => InspectAsync(Reader(sink, result.GetValue(output)!, result.GetValue(run)!), result.GetValue(rows), Console.Out, ct));
        var export = new Command("export", "Write a run's events or aggregates to CSV, or copy its files to a folder.") { output, run, to, what };
        export.SetAction((result, ct) => ExportAsync(Reader(sink, result.GetValue(output)!, result.GetValue(run)!), result.GetValue(what)!, result.GetValue(to)!, Console.Out, ct));
        var root = new RootCommand("Inspect the StreamProcessor's Parquet output.") { inspect, export };
        return root.Parse([.. args.Where(a => !IsConfigurationArgument(a, flagNames))]).InvokeAsync();
    }

    /// <summary>
    /// <see cref="SinkOptions"/> from the configuration the service would build in <paramref name="contentRoot"/> with
    /// <paramref name="args"/> as its command line, through the service's own binding and without its validator,
    /// which would create the output folder: inspect and export never write there.
    /// </summary>
    internal static SinkOptions ReadSinkOptions(string[] args, string contentRoot)
    {
        using var configuration = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = args,
            ContentRootPath = contentRoot,
        }).Configuration;
        EmptyValuesAreUnset.Apply(configuration);
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration);
        services.AddSinkOptions();
        using var provider = services.BuildServiceProvider();
        return provider.GetRequiredService<IOptions<SinkOptions>>().Value;
    }

    /// <summary>A <c>--Key=Value</c> token that is not one of the verbs' flags: configuration, as on the service's command line.</summary>
    private static bool IsConfigurationArgument(string token, string[] flagNames)
    {
        var equals = token.IndexOf('=', StringComparison.Ordinal);
        return token.StartsWith("--", StringComparison.Ordinal) && equals > 2 && !flagNames.Contains(token[..equals], StringComparer.Ordinal);
    }

    /// <summary>The run the flags name, in the storage the configuration chooses (<see cref="RunStorageFactory"/>).</summary>
    private static OutputReader Reader(SinkOptions sink, string output, string run) => new(RunStorageFactory.Create(new SinkOptions
    {
        OutputPath = output,
        RunId = run,
        OutputConnectionString = sink.OutputConnectionString,
        ContainerName = sink.ContainerName,
    }));

    /// <summary>How often a command reads a run again when a running processor's compaction changed it under the read.</summary>
    internal const int ReadAttempts = 5;

    internal static async Task<int> InspectAsync(OutputReader reader, int rows, TextWriter console, CancellationToken cancellationToken)
    {
        if (!await reader.ExistsAsync(cancellationToken))
        {
            await console.WriteLineAsync($"No run at {reader.Storage.Root}");
            return 1;
        }

        // Printed once whole: a read the run changed under starts again and must not have printed half a report.
        var report = await ReadWhileUnchangedAsync(async () =>
        {
            var text = new StringWriter(CultureInfo.InvariantCulture);
            await WriteReportAsync(reader, rows, text, cancellationToken);
            return text.ToString();
        }, console);
        await console.WriteAsync(report);
        return 0;
    }

    /// <summary>
    /// Runs <paramref name="read"/> again while a processor's compaction changes the run under it (a file of its listing
    /// deleted before it was read), up to <see cref="ReadAttempts"/> times.
    /// </summary>
    private static async Task<T> ReadWhileUnchangedAsync<T>(Func<Task<T>> read, TextWriter console)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await read();
            }
            catch (RunChangedException ex) when (attempt < ReadAttempts)
            {
                await console.WriteLineAsync($"{ex.Message} Reading the run again.");
            }
        }
    }

    private static async Task WriteReportAsync(OutputReader reader, int rows, TextWriter console, CancellationToken cancellationToken)
    {

        var counts = await reader.CountRowsByIdAsync(cancellationToken);
        await console.WriteLineAsync($"Run {reader.Storage.Root}");
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
    }

    internal static async Task<int> ExportAsync(OutputReader reader, string what, string to, TextWriter console, CancellationToken cancellationToken)
    {
        if (what == "files")
        {
            var everCopied = new HashSet<string>(StringComparer.Ordinal);
            var copied = await ReadWhileUnchangedAsync(() => reader.CopyToAsync(to, cancellationToken, everCopied), console);
            // A file copied by an attempt the run changed under, and compacted since: its rows are in a copied compacted
            // file, so the copy would hold them twice for a glob.
            foreach (var stale in everCopied.Except(copied))
            {
                File.Delete(Path.Combine(to, stale));
            }

            await console.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"Copied {copied.Count} file(s) of {reader.Storage.Root} to {Path.GetFullPath(to)}"));
            return 0;
        }

        long rows = await ReadWhileUnchangedAsync(() => WriteCsvAsync(reader, what, to, cancellationToken), console);
        await console.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"Wrote {rows} {what} row(s) to {to}"));
        return 0;
    }

    /// <summary>Writes the run's events or aggregates to the CSV file <paramref name="to"/> (replacing it) and returns the rows written.</summary>
    private static async Task<long> WriteCsvAsync(OutputReader reader, string what, string to, CancellationToken cancellationToken)
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

        return count;
    }

    private static string Csv(string? value) =>
        value is null ? string.Empty
        : value.AsSpan().IndexOfAny(",\"\n\r") < 0 ? value
        : "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
