using System.CommandLine;
using System.Diagnostics;
using System.Globalization;

namespace Pipeline.Benchmarks.Pipeline;

/// <summary>
/// The memory targets' runs, each in a process of its own: <c>pipeline-fresh in-process|end-to-end</c> generates the
/// corpus and does one run, cold (its JIT included), and prints its peak working set. In the <c>pipeline</c> command's
/// process, every run's peak also holds what the setup and earlier runs left (the shared array pool, the GC's
/// committed memory, native free lists); here nothing came before but the corpus, the run's input. The parent starts
/// the child with the runtime and assembly it runs itself.
/// </summary>
internal static class FreshProcessRun
{
    private const string CommandName = "pipeline-fresh";
    private const string ResultPrefix = "fresh-result ";

    public enum Kind
    {
        InProcess,
        EndToEnd,
        Drain,
    }

    /// <summary>The run's peak and rate, and for a run through the broker how busy the cores were (0 in process).</summary>
    public sealed record Result(long PeakWorkingSet, double EventsPerSecond, double CoresBusy = 0);

    public static Command Create()
    {
        var kind = new Argument<Kind>("kind") { Description = "InProcess, EndToEnd or Drain (also for profiling one run alone)." };
        var events = new Option<int>("--events") { DefaultValueFactory = _ => 1_000_000 };
        var partitions = new Option<int>("--partitions") { DefaultValueFactory = _ => 4 };
        var command = new Command(CommandName, "One run in this process, for its peak working set (used by 'pipeline').")
        {
            kind, events, partitions,
        };
        command.Hidden = true;
        command.SetAction((result, cancellationToken) => ChildAsync(result.GetValue(kind), result.GetValue(events), result.GetValue(partitions), cancellationToken));
        return command;
    }

    /// <summary>Runs <paramref name="kind"/> in a child process and reads its result.</summary>
    public static async Task<Result> RunAsync(Kind kind, int events, int partitions, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo { RedirectStandardOutput = true, UseShellExecute = false };
        var processPath = Environment.ProcessPath!;
        start.FileName = processPath;
        if (Path.GetFileNameWithoutExtension(processPath) == "dotnet")
        {
            start.ArgumentList.Add(typeof(FreshProcessRun).Assembly.Location);
        }

        foreach (var argument in new[] { CommandName, kind.ToString(), "--events", Invariant(events), "--partitions", Invariant(partitions) })
        {
            start.ArgumentList.Add(argument);
        }

        using var child = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {processPath}.");
        var output = await child.StandardOutput.ReadToEndAsync(cancellationToken);
        await child.WaitForExitAsync(cancellationToken);
        var line = output.Split('\n').LastOrDefault(static l => l.StartsWith(ResultPrefix, StringComparison.Ordinal));
        if (child.ExitCode != 0 || line is null)
        {
            throw new InvalidOperationException($"The fresh {kind} run exited with {child.ExitCode}: {output}");
        }

        var fields = line[ResultPrefix.Length..].Split(' ');
        return new Result(long.Parse(fields[0], CultureInfo.InvariantCulture), double.Parse(fields[1], CultureInfo.InvariantCulture),
            double.Parse(fields[2], CultureInfo.InvariantCulture));
    }

    private static async Task<int> ChildAsync(Kind kind, int events, int partitions, CancellationToken cancellationToken)
    {
        var root = Directory.CreateTempSubdirectory("pipeline-fresh-").FullName;
        try
        {
            var corpus = EventCorpus.Generate(0, events);
            var result = kind == Kind.InProcess
                ? ToResult(await InProcessRun.RunAsync(events, chunkSize: events, root, corpus, cancellationToken))
                : ToResult(await EndToEndRun.RunAsync(corpus, partitions, drainBacklog: kind == Kind.Drain, root, cancellationToken));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{ResultPrefix}{result.PeakWorkingSet} {result.EventsPerSecond:R} {result.CoresBusy:R}"));
            return 0;
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static Result ToResult(InProcessRun.Result run) => new(PeakMemory.Read(), run.EventsPerSecond);

    private static Result ToResult(EndToEndRun.Result run) => new(PeakMemory.Read(), run.EventsPerSecond, run.CoresBusy);

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);
}
