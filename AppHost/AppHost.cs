// The Pipeline's distributed application: Kafka, its topics, the Producer and the StreamProcessor,
// shown in the Aspire dashboard. The model lives in AppHost.Topology (compiled and tested against the
// served Aspire.Hosting); this file only picks the Kafka (Kafka/*.cs: the container by default, the
// embedded broker with -p:EmbeddedKafka=true) and what a deployment adds.
using Pipeline.AppHost;
using Pipeline.AppHost.Topology;

var builder = DistributedApplication.CreateBuilder(args);

// Partition and replica counts shape the model, so they are read as numbers now, from the same
// configuration keys as the parameters; a bad value stops here with a message naming the parameter.
var settings = PipelineSettings.FromConfiguration(builder.Configuration);

var kafka = builder.AddPipelineKafka(settings);
var services = builder.AddPipelineServices<Projects.Producer, Projects.StreamProcessor>(settings, kafka);
builder.AddDeployment(services, settings);

builder.Build().Run();
