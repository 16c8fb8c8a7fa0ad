using Pipeline.Producer.Extensions;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddEventProducer();

var app = builder.Build();
app.MapDefaultEndpoints();
await app.RunAsync();
