using Pipeline.StreamProcessor.Extensions;
using Pipeline.StreamProcessor.Inspection;

if (OutputCommands.Handles(args))
{
    return await OutputCommands.InvokeAsync(args);
}

var builder = ServiceHostBuilder.Create(args);
builder.AddServiceDefaults();
builder.AddStreamProcessor();

var app = builder.Build();
app.MapDefaultEndpoints();
await app.RunAsync();
return Environment.ExitCode;
