using Azure.Storage.Blobs;
using Pipeline.Azurite;
using Pipeline.StreamProcessor.Checkpointing;
using Pipeline.StreamProcessor.Storage;

namespace Pipeline.Tests.TestKit;

/// <summary>
/// A run written by the processes under test into one container of a real Azurite: the connection string they
/// get (<c>ConnectionStrings__output</c>, with the container), its checkpoints, and a copy of its blobs in a local
/// folder, where DuckDB checks it like any run.
/// </summary>
internal sealed class BlobRun(AzuriteServer server, BlobContainerClient container, string runId)
{
    public const string Variable = "ConnectionStrings__output";

    public static async Task<BlobRun> CreateAsync(AzuriteServer server, string runId, CancellationToken cancellationToken) =>
        new(server, await server.CreateContainerAsync(cancellationToken), runId);

    /// <summary>The service's <c>ConnectionStrings:output</c> (holds the dev key: do not log it).</summary>
    public string ConnectionString => server.ConnectionString + $"ContainerName={container.Name};";

    public BlobContainerClient Container => container;

    public IRunStorage Storage => Run.Storage;

    /// <summary>The run's checkpoints, writer and reader, over the container.</summary>
    public TestRun Run => new(new BlobStorage(container, OutputLayout.RunFolderName(runId)));

    public CheckpointStore Checkpoints => Run.Checkpoints;

    /// <summary>Copies every blob of the run into <paramref name="directory"/> and returns it (the run folder's equivalent).</summary>
    public async Task<string> CopyOutAsync(string directory, CancellationToken cancellationToken)
    {
        await Run.Reader.CopyToAsync(directory, cancellationToken);
        return directory;
    }
}
