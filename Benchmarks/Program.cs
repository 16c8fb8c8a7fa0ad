using System.CommandLine;
using Pipeline.Benchmarks.Broker;
using Pipeline.Benchmarks.Files;
using Pipeline.Benchmarks.Pipeline;

var root = new RootCommand("Pipeline benchmarks (run with -c Release).")
{
    BrokerBenchmarkCommand.Create(),
    PipelineBenchmarkCommand.Create(),
    FreshProcessRun.Create(),
    StorageBenchmarkCommand.Create(),
    FilesBenchmarkCommand.Create(),
};
return await root.Parse(args).InvokeAsync();
