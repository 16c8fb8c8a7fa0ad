using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;

namespace Pipeline.AppHost.Topology;

/// <summary>
/// Where the StreamProcessor writes when it is not the data folder: the connection string it references
/// (<c>ConnectionStrings__output</c>) and the resource it waits for (Azurite).
/// </summary>
public sealed record PipelineOutput(
    IResourceBuilder<IResourceWithConnectionString> Connection,
    IResourceBuilder<IResource> Ready);

public static class PipelineOutputExtensions
{
    /// <summary>
    /// The output <see cref="PipelineSettings.OutputStorage"/> asks for: null for the data folder (the StreamProcessor
    /// gets a path), Azurite for <see cref="OutputStorage.Azurite"/>, run the way <paramref name="hosting"/> says.
    /// </summary>
    public static PipelineOutput? AddPipelineOutput(this IDistributedApplicationBuilder builder, PipelineSettings settings, AzuriteHosting hosting)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(settings);
        return settings.OutputStorage switch
        {
            OutputStorage.Folder => null,
            OutputStorage.Azurite => builder.AddAzuriteOutput(settings, hosting),
            _ => throw new ArgumentOutOfRangeException(nameof(settings), settings.OutputStorage, "Unknown output storage."),
        };
    }
}
