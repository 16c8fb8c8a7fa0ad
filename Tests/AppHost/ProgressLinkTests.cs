using Aspire.Hosting.Testing;
using Pipeline.AppHost.Topology;
using Pipeline.StreamProcessor.Extensions;

namespace Pipeline.Tests.AppHost;

/// <summary>The dashboard links the StreamProcessor's <c>/progress</c>, on the endpoint its /health is served on.</summary>
public sealed class ProgressLinkTests
{
    [Fact]
    public void ProgressPath_IsTheOneTheStreamProcessorMaps() =>
        Assert.Equal(ProgressEndpoint.Path, ServiceEnvironment.ProgressPath);

    [Fact]
    public async Task StreamProcessor_OnceItsEndpointIsAllocated_HasAProgressLinkToItsProgressReport()
    {
        // Arrange: the model, and the address the orchestrator would allocate to the http endpoint.
        var ct = TestContext.Current.CancellationToken;
        await using var builder = DistributedApplicationTestingBuilder.Create();
        var settings = PipelineSettings.FromConfiguration(builder.Configuration);
        var kafka = builder.AddEmbeddedKafka<Projects.KafkaBroker>(settings).WithPipelineTopics(settings);
        var services = builder.AddPipelineServices<Projects.Producer, Projects.StreamProcessor>(settings, kafka);
        var processor = services.StreamProcessor.Resource;
        var http = processor.Annotations.OfType<EndpointAnnotation>().Single(e => e.Name == PipelineServicesExtensions.HttpEndpoint);
        http.AllocatedEndpoint = new AllocatedEndpoint(http, "localhost", 5123);
        List<ResourceUrlAnnotation> urls = [];
        var context = new ResourceUrlsCallbackContext(new DistributedApplicationExecutionContext(DistributedApplicationOperation.Run), processor, urls, ct);

        // Act: what the orchestrator runs once endpoints are allocated.
        foreach (var callback in processor.Annotations.OfType<ResourceUrlsCallbackAnnotation>())
        {
            await callback.Callback(context);
        }

        // Assert
        var link = Assert.Single(urls, url => url.DisplayText == PipelineServicesExtensions.ProgressLinkText);
        Assert.EndsWith(ServiceEnvironment.ProgressPath, link.Url, StringComparison.Ordinal);
        Assert.Equal(PipelineServicesExtensions.HttpEndpoint, link.Endpoint?.EndpointName);
        Assert.DoesNotContain(services.Producer.Resource.Annotations.OfType<ResourceUrlsCallbackAnnotation>(), static _ => true);
    }
}
