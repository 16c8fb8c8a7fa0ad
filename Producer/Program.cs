using Pipeline.Producer.Extensions;

var builder = ServiceHostBuilder.Create(args);
builder.AddServiceDefaults();
builder.AddEventProducer();

var app = builder.Build();
app.MapDefaultEndpoints();
await app.RunAsync();
