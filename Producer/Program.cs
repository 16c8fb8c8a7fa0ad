using Pipeline.Producer.Extensions;

var builder = WebApplication.CreateBuilder(args);
builder.ListenOnLoopbackUnlessConfigured();
builder.AddServiceDefaults();
builder.AddEventProducer();

var app = builder.Build();
app.MapDefaultEndpoints();
await app.RunAsync();
