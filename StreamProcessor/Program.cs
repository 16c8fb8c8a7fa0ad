using Pipeline.StreamProcessor.Extensions;
using Pipeline.StreamProcessor.Inspection;

if (OutputCommands.Handles(args))
{
    return await OutputCommands.InvokeAsync(args);
}

var builder = WebApplication.CreateBuilder(args);
builder.ListenOnLoopbackUnlessConfigured();
builder.AddServiceDefaults();
builder.AddStreamProcessor();

var app = builder.Build();
app.MapDefaultEndpoints();
await app.RunAsync();
return Environment.ExitCode;
