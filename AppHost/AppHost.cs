// The Pipeline's distributed application: Kafka, its topics, the Producer and the StreamProcessor,
// shown in the Aspire dashboard. The model lives in AppHost.Topology (compiled and tested against the
// served Aspire.Hosting); this file only picks the Kafka (Kafka/*.cs: the container by default, the
// embedded broker with -p:EmbeddedKafka=true), how Azurite runs, and what a deployment adds.
//
// Output: Parquet in data/output (default), or with --Parameters:output-storage azurite blob storage in
// an Azurite the AppHost adds (AppHost.Topology/AzuriteEmulator.cs): the StreamProcessor gets
// ConnectionStrings__output and writes to container "pipeline". Without Docker Azurite runs from npm:
// run `npm ci` in tools/azurite once (Node.js 20+); with Docker, and when published, its container.
// Aspire.Hosting.Azure.Storage (AddAzureStorage().RunAsEmulator().AddBlobs("output")) is not served
// here; it can be swapped in for AddPipelineOutput without changing the StreamProcessor.
using Pipeline.AppHost;
using Pipeline.AppHost.Topology;

var builder = DistributedApplication.CreateBuilder(args);

// The default build runs Kafka as a container: without an engine, say so at once instead of waiting for it.
if (PipelineKafkaChoice.MissingPrerequisite(builder) is { } missing)
{
    await Console.Error.WriteLineAsync(missing);
    return 1;
}

// Partition and replica counts shape the model, so they are read as numbers now, from the same
// configuration keys as the parameters; a bad value stops here with a message naming the parameter.
var settings = PipelineSettings.FromConfiguration(builder.Configuration);

var kafka = builder.AddPipelineKafka(settings);
var output = builder.AddPipelineOutput(settings, PipelineKafkaChoice.LocalAzurite);
var services = builder.AddPipelineServices<Projects.Producer, Projects.StreamProcessor>(settings, kafka, output);
builder.AddDeployment(services, settings);

await builder.Build().RunAsync();
return 0;
