using System.CommandLine;
using System.Diagnostics;
using Pipeline.StreamProcessor.Storage;

namespace Pipeline.Benchmarks.Files;

/// <summary>
/// <c>files</c>: what a long run leaves for readers. The real engine runs through <c>--hours</c> of simulated time at
/// <c>--rate</c> events/s on a fake clock (<see cref="SimulatedRun"/>), then the run's folder is read back
/// (<see cref="OutputCensus"/>): how many Parquet files exist, how big they are, whether every event is in exactly one
/// raw row, and how long events took to be committed (<see cref="FilesReport"/>).
/// </summary>
internal static class FilesBenchmarkCommand
{
    public static Command Create()
    {
        var rate = new Option<double>("--rate") { Description = "Events per second of simulated time.", DefaultValueFactory = _ => FilesTargets.DemoRate };
        var hours = new Option<double>("--hours") { Description = "Hours of simulated time.", DefaultValueFactory = _ => FilesTargets.DayHours };
        var partitions = new Option<int>("--partitions") { Description = "Partitions of the simulated topic (ids are spread over them by key).", DefaultValueFactory = _ => 3 };
        var ids = new Option<int>("--ids") { Description = "Ids 0..ids-1, cycled through as the Producer does.", DefaultValueFactory = _ => 10 };
        var seed = new Option<int>("--seed") { Description = "Seed of the values.", DefaultValueFactory = _ => 1 };
        var set = new Option<string[]>("--set")
        {
            Description = "Overrides a setting of the service's defaults, e.g. Sink:TriggerInterval=00:00:10 (Sink:, Windowing:, Processor:, Ingest: or a full key); repeatable.",
        };
        var keep = new Option<string?>("--keep") { Description = "Write the run into this folder and keep it (default: a temporary folder, deleted)." };
        var command = new Command("files", "A simulated span of the real engine on a fake clock: the Parquet files it leaves, exactly once, freshness.")
        {
            rate, hours, partitions, ids, seed, set, keep,
        };
        foreach (var option in new[] { rate, hours })
        {
            option.Validators.Add(result =>
            {
                if (result.GetValueOrDefault<double>() is not > 0)
                {
                    result.AddError($"{option.Name} must be greater than 0.");
                }
            });
        }

        foreach (var option in new[] { partitions, ids })
        {
            option.Validators.Add(result =>
            {
                if (result.GetValueOrDefault<int>() < 1)
                {
                    result.AddError($"{option.Name} must be at least 1.");
                }
            });
        }

        set.Validators.Add(result =>
        {
            if (!SettingOverrides.TryParse(result.GetValueOrDefault<string[]>() ?? [], out _, out var error))
            {
                result.AddError(error!);
            }
        });
        command.SetAction((result, cancellationToken) =>
        {
            SettingOverrides.TryParse(result.GetValue(set) ?? [], out var overrides, out _);
            return RunAsync(
                new SimulationSettings(result.GetValue(rate), result.GetValue(hours), result.GetValue(partitions), result.GetValue(ids),
                    result.GetValue(seed), overrides, result.GetValue(keep)),
                cancellationToken);
        });
        return command;
    }

    private static async Task<int> RunAsync(SimulationSettings settings, CancellationToken cancellationToken)
    {
        if (settings.TotalEvents > int.MaxValue)
        {
            // The exactly-once check keeps a bit per offset, per partition, in one BitArray.
            await Console.Error.WriteLineAsync($"{settings.TotalEvents:N0} events: at most {int.MaxValue:N0} per run.");
            return 2;
        }

        var outputPath = settings.KeepDirectory ?? Directory.CreateTempSubdirectory("pipeline-bench-files-").FullName;
        if (settings.KeepDirectory is not null && Directory.Exists(Path.Combine(outputPath, OutputLayout.RunFolderName(SimulatedHost.RunId))))
        {
            await Console.Error.WriteLineAsync($"{outputPath} already holds a run ({OutputLayout.RunFolderName(SimulatedHost.RunId)}): choose an empty folder.");
            return 2;
        }

        try
        {
            var run = await SimulatedRun.RunAsync(settings, outputPath, cancellationToken);
            var reading = Stopwatch.StartNew();
            var census = await OutputCensus.TakeAsync(run.RunFolder, run.Produced, cancellationToken);
            foreach (var line in FilesReport.Lines(settings, run, census, reading.Elapsed))
            {
                Console.WriteLine("files " + line);
            }

            if (settings.KeepDirectory is not null)
            {
                Console.WriteLine("files kept: " + run.RunFolder);
            }

            return census.Check.Holds && census.Check.Rows == run.Events ? 0 : 1;
        }
        finally
        {
            if (settings.KeepDirectory is null)
            {
                Directory.Delete(outputPath, recursive: true);
            }
        }
    }
}
