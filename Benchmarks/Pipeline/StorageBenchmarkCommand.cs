using System.CommandLine;
using System.Diagnostics;
using Pipeline.StreamProcessor.Sinks;
using Pipeline.Azurite;

namespace Pipeline.Benchmarks.Pipeline;

/// <summary>
/// <c>storage</c>: the in-process and drain runs of <c>pipeline</c>, each with the output in a local folder and in
/// Azure Blob Storage (a real Azurite on loopback, started here), alternating in every round so drift hits both
/// alike; the summary gives the medians and the blob/local ratios. Azurite runs on the same cores as the processor
/// and its CPU time is reported, because a storage account's work would not be on this machine.
/// </summary>
internal static class StorageBenchmarkCommand
{
    private const int WarmUpEvents = 600_000;

    public static Command Create()
    {
        var events = new Option<int>("--events") { Description = "Events of every run.", DefaultValueFactory = _ => 1_000_000 };
        var partitions = new Option<int>("--partitions") { Description = "Partitions of the drain's topic.", DefaultValueFactory = _ => 4 };
        var runs = new Option<int>("--runs") { Description = "Rounds; the summary gives medians over them.", DefaultValueFactory = _ => 3 };
        var command = new Command("storage", "In-process and drain runs with the output in a folder and in Azure Blob Storage (Azurite).")
        {
            events, partitions, runs,
        };
        command.SetAction((result, cancellationToken) =>
            RunAsync(result.GetValue(events), result.GetValue(partitions), result.GetValue(runs), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(int events, int partitions, int runs, CancellationToken cancellationToken)
    {
        if (AzuriteServer.Unavailable(out _, out _) is { } why)
        {
            Console.Error.WriteLine(why);
            return 2;
        }

        var root = Directory.CreateTempSubdirectory("pipeline-bench-storage-").FullName;
        await using var azurite = await AzuriteServer.StartAsync(cancellationToken);
        try
        {
            Print($"machine: {Environment.ProcessorCount} cores, .NET {Environment.Version}; Azurite on {azurite.BlobEndpoint} (same machine)");
            var corpus = EventCorpus.Generate(0, events);
            var warmUp = EventCorpus.Generate(0, Math.Min(events, WarmUpEvents));

            // Warm-up, not reported (tiered JIT; see PipelineBenchmarkCommand), once per storage.
            foreach (var blob in new[] { false, true })
            {
                var settings = await SettingsAsync(azurite, blob, cancellationToken);
                await InProcessRun.RunAsync(warmUp.Count, warmUp.Count, Path.Combine(root, $"warm-up-{blob}"), warmUp, cancellationToken, settings);
                await EndToEndRun.RunAsync(warmUp, partitions, drainBacklog: true, Path.Combine(root, $"warm-up-drain-{blob}"), cancellationToken, settings: settings);
            }

            var figures = new Dictionary<string, List<double>>();
            for (var round = 1; round <= runs; round++)
            {
                Print($"round {round} of {runs}");
                foreach (var blob in new[] { false, true })
                {
                    var where = blob ? "blob" : "local";
                    var output = Path.Combine(root, $"round-{round}-{where}");
                    var settings = await SettingsAsync(azurite, blob, cancellationToken);

                    var azuriteCpu = AzuriteCpu(azurite);
                    var inProcess = await InProcessRun.RunAsync(corpus.Count, corpus.Count, Path.Combine(output, "in-process"), corpus, cancellationToken, settings);
                    Print($"in-process, {where}: {inProcess.Events} events in {inProcess.Elapsed.TotalSeconds:F2} s = {inProcess.EventsPerSecond:N0} events/s " +
                        $"(writing files and checkpoints {inProcess.CommitTime.TotalSeconds:F2} s, {inProcess.Batches} batches)" + AzuriteCpuSince(azurite, azuriteCpu, blob));
                    Add(figures, $"in-process {where}", inProcess.EventsPerSecond);

                    azuriteCpu = AzuriteCpu(azurite);
                    var drain = await EndToEndRun.RunAsync(corpus, partitions, drainBacklog: true, Path.Combine(output, "drain"), cancellationToken, settings: settings);
                    Print($"drain, {where}: {drain.Events} events in {drain.Elapsed.TotalSeconds:F2} s = {drain.EventsPerSecond:N0} events/s " +
                        $"({partitions} partitions; processor busy {drain.CoresBusy:F2} cores)" + AzuriteCpuSince(azurite, azuriteCpu, blob));
                    Add(figures, $"drain {where}", drain.EventsPerSecond);
                    if (Directory.Exists(output))
                    {
                        Directory.Delete(output, recursive: true);
                    }
                }
            }

            foreach (var (name, values) in figures)
            {
                var median = Median.Of(values);
                Print($"summary: {name}: median {median.Value:N0} events/s (range {median.Min:N0}–{median.Max:N0}, {median.Count} runs)");
            }

            foreach (var run in new[] { "in-process", "drain" })
            {
                var local = Median.Of(figures[$"{run} local"]).Value;
                var blob = Median.Of(figures[$"{run} blob"]).Value;
                Print($"summary: {run}: ratio blob/local = {blob / local:F2}");
            }

            return 0;
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>The run's storage: none for a local folder, else a fresh container of the Azurite.</summary>
    private static async Task<IReadOnlyDictionary<string, string?>?> SettingsAsync(AzuriteServer azurite, bool blob, CancellationToken cancellationToken)
    {
        if (!blob)
        {
            return null;
        }

        var container = await azurite.CreateContainerAsync(cancellationToken);
        return new Dictionary<string, string?>
        {
            [$"ConnectionStrings:{SinkOptions.OutputConnectionName}"] = azurite.ConnectionString + $"ContainerName={container.Name};",
        };
    }

    private static TimeSpan AzuriteCpu(AzuriteServer azurite) =>
        azurite.ProcessId is { } id ? Process.GetProcessById(id).TotalProcessorTime : TimeSpan.Zero;

    private static string AzuriteCpuSince(AzuriteServer azurite, TimeSpan before, bool blob) =>
        blob ? $"; Azurite used {(AzuriteCpu(azurite) - before).TotalSeconds:F1} s of CPU on the same cores" : "";

    private static void Add(Dictionary<string, List<double>> figures, string name, double value)
    {
        if (!figures.TryGetValue(name, out var values))
        {
            figures[name] = values = [];
        }

        values.Add(value);
    }

    private static void Print(string line) => Console.WriteLine("storage " + line);
}
