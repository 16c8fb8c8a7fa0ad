using System.CommandLine;
using Pipeline.Benchmarks.Pipeline;

var root = new RootCommand("Pipeline benchmarks (run with -c Release).")
{
    PipelineBenchmarkCommand.Create(),
};
return await root.Parse(args).InvokeAsync();
