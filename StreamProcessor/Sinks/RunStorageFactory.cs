using Pipeline.StreamProcessor.Storage;

namespace Pipeline.StreamProcessor.Sinks;

/// <summary>
/// Chooses where a run's output lives, from <see cref="SinkOptions"/>: Azure Blob Storage when
/// <see cref="SinkOptions.OutputConnectionString"/> (<c>ConnectionStrings:output</c>) is set, the local folder
/// <c>&lt;OutputPath&gt;/run_&lt;RunId&gt;/</c> otherwise. The service, the <c>inspect</c>/<c>export</c> verbs, the
/// Standalone host and the benchmarks all choose here, so a run is found where it was written.
/// </summary>
public static class RunStorageFactory
{
    public static IRunStorage Create(SinkOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.OutputConnectionString is { } connectionString
            ? BlobStorage.FromConnectionString(connectionString, options.ContainerName, OutputLayout.RunFolderName(options.RunId))
            : LocalFileStorage.ForRun(options.OutputPath, options.RunId);
    }
}
