using System.CommandLine;

namespace Pipeline.Standalone;

/// <summary>
/// <c>dotnet run --project Standalone [-- --rate 50 --partitions 3 --run-id demo]</c>; blob output with
/// <c>ConnectionStrings__output</c> in the environment or <c>--output-connection</c>.
/// </summary>
internal static class StandaloneCommandLine
{
    public static RootCommand Create(Func<StandaloneOptions, CancellationToken, Task<int>> run)
    {
        var defaults = new StandaloneOptions();
        var port = new Option<int>("--port") { Description = "Port of the embedded Kafka broker (0 = any free port).", DefaultValueFactory = _ => defaults.Port };
        var partitions = new Option<int>("--partitions") { Description = "Partitions of the events topic.", DefaultValueFactory = _ => defaults.Partitions };
        var rate = new Option<double>("--rate") { Description = "Events per second from the Producer.", DefaultValueFactory = _ => defaults.MessagesPerSecond };
        var runId = new Option<string>("--run-id") { Description = "Run id: the same id resumes, a new one starts a fresh output folder.", DefaultValueFactory = _ => defaults.RunId };
        var output = new Option<string>("--output") { Description = "Output root for Parquet files.", DefaultValueFactory = _ => defaults.OutputPath };
        var outputConnection = new Option<string?>("--output-connection")
        {
            Description = "Azure Storage connection string: write the run to blob storage (container 'pipeline', or ContainerName= in it) " +
                "instead of --output. Prefer the ConnectionStrings__output environment variable, which keeps the key off the command line; " +
                "it wins when both are set.",
        };
        var inMemory = new Option<bool>("--in-memory") { Description = "Keep the broker's topics in memory instead of data/kafka." };
        var duration = new Option<TimeSpan?>("--duration") { Description = "Stop by itself after this long, e.g. 00:00:30." };
        var plain = new Option<bool>("--plain") { Description = "Print status lines instead of the live view." };
        var command = new RootCommand("Runs the whole pipeline in one process: embedded Kafka broker, Producer, StreamProcessor, live view.")
        {
            port, partitions, rate, runId, output, outputConnection, inMemory, duration, plain,
        };
        command.SetAction((result, cancellationToken) => run(defaults with
        {
            Port = result.GetValue(port),
            Partitions = result.GetValue(partitions),
            MessagesPerSecond = result.GetValue(rate),
            RunId = result.GetValue(runId)!,
            OutputPath = result.GetValue(output)!,
            OutputConnectionString = result.GetValue(outputConnection),
            BrokerDataDirectory = result.GetValue(inMemory) ? null : defaults.BrokerDataDirectory,
            Duration = result.GetValue(duration),
            PlainOutput = result.GetValue(plain) || Console.IsOutputRedirected,
        }, cancellationToken));
        return command;
    }
}
