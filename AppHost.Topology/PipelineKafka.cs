using Aspire.Hosting.ApplicationModel;

namespace Pipeline.AppHost.Topology;

/// <summary>
/// The Kafka the services reference and what they wait for: the container (its own resource is
/// both), or the embedded broker (a project resource, and a connection string pointing at its
/// endpoint). <paramref name="TopicsCreated"/> is compose's one-shot topic-creation service, which the
/// workers wait to complete, since publish mode never runs ready-event code.
/// </summary>
public sealed record PipelineKafka(
    IResourceBuilder<IResourceWithConnectionString> Connection,
    IResourceBuilder<IResource> Ready,
    IResourceBuilder<IResource>? TopicsCreated = null);
