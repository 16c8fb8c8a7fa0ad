using Pipeline.StreamProcessor.Extensions;
using Pipeline.StreamProcessor.Inspection;
using Pipeline.StreamProcessor.Kafka;
using Pipeline.StreamProcessor.Processing;

if (OutputCommands.Handles(args))
{
    return await OutputCommands.InvokeAsync(args);
}

var builder = ServiceHostBuilder.Create(args);
builder.AddServiceDefaults();
builder.AddStreamProcessor();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapProgressEndpoint();
// The host stops when the worker fails, but (until .NET 11) RunAsync still completes successfully: the exit
// code is the one place the failure must reach, so it is read from the worker's task. The worker is taken once
// the host is stopping (resolving it earlier would validate options outside ValidateOnStart; after RunAsync the
// container is disposed).
StreamProcessorWorker? worker = null;
app.Lifetime.ApplicationStopping.Register(() => worker = app.Services.GetRequiredService<StreamProcessorWorker>());
await app.RunAsync();
return ProcessorExitCodes.Of(worker?.ExecuteTask);
