using Pipeline.Producer.Extensions;
using Pipeline.Producer.Publishing;

var builder = ServiceHostBuilder.Create(args);
builder.AddServiceDefaults();
builder.AddEventProducer();

var app = builder.Build();
app.MapDefaultEndpoints();
// RunAsync completes normally even when events were lost, so the exit code is read from the publisher, taken once the
// host is stopping (the container is disposed after RunAsync).
EventPublisher? publisher = null;
app.Lifetime.ApplicationStopping.Register(() => publisher = app.Services.GetRequiredService<EventPublisher>());
await app.RunAsync();
return ProducerExitCodes.Of(publisher);
