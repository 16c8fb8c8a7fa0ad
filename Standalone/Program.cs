using Pipeline.Standalone;

return await StandaloneCommandLine.Create(StandaloneRunner.RunAsync).Parse(args).InvokeAsync();
