using Aspire.Hosting.Testing;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.AppHost.Topology;
using Pipeline.StreamProcessor.Sinks;
using Pipeline.StreamProcessor.Storage;
using Pipeline.Tests.KafkaBroker.Clients;

namespace Pipeline.Tests.AppHost;

/// <summary>
/// The model with <c>output-storage=azurite</c> run by the real Aspire orchestrator (no dashboard): what
/// <c>dotnet run --project AppHost -p:EmbeddedKafka=true -- --Parameters:output-storage azurite</c> starts, with Azurite
/// from <c>tools/azurite</c>, in a temporary data folder. Skipped, saying how to install it, when <c>npm ci</c> has not
/// run there (failed instead under <see cref="ExternalClient.RequireVariable"/>, as CI sets it).
/// </summary>
public sealed class AzuriteRunTests : IDisposable
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromMinutes(2);

    private readonly TempOutputDirectory _temp = new();

    private string Data => _temp.Path;

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Model_WithAzuriteOutput_RunByTheOrchestrator_WritesTheRunsCheckpointsAndParquetAsBlobs()
    {
        // Arrange
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var builder = DistributedApplicationTestingBuilder.Create(
        [
            $"--{PipelineParameters.ConfigurationKey(PipelineParameters.OutputStorage)}=azurite",
            $"--{PipelineParameters.ConfigurationKey(PipelineParameters.EventsPerSecond)}=40",
            $"--{PipelineParameters.ConfigurationKey(PipelineParameters.DataDirectory)}={Data}",
        ]);
        RequireInstalled(AzuriteEmulator.ResolvePackageDirectory(builder.AppHostDirectory));
        var settings = PipelineSettings.FromConfiguration(builder.Configuration);
        var kafka = builder.AddEmbeddedKafka<Projects.KafkaBroker>(settings).WithPipelineTopics(settings);
        var output = builder.AddPipelineOutput(settings, AzuriteHosting.Executable);
        builder.AddPipelineServices<Projects.Producer, Projects.StreamProcessor>(settings, kafka, output);

        // Act
        await using var app = await builder.BuildAsync(cancellationToken);
        await app.StartAsync(cancellationToken).WaitAsync(s_timeout, cancellationToken);
        var notifications = app.Services.GetRequiredService<ResourceNotificationService>();
        foreach (var resource in new[] { PipelineResources.Azurite, PipelineResources.StreamProcessor })
        {
            await notifications.WaitForResourceHealthyAsync(resource, cancellationToken).WaitAsync(s_timeout, cancellationToken);
        }

        // Assert: the run's checkpoint and its Parquet appear as blobs in container "pipeline", through the connection
        // string the StreamProcessor got; nothing is written to the data folder's output/.
        var connectionString = await app.GetConnectionStringAsync(PipelineResources.Output, cancellationToken);
        Assert.NotNull(connectionString);
        var container = new BlobContainerClient(connectionString, new SinkOptions().ContainerName);
        var run = OutputLayout.RunFolderName(new SinkOptions().RunId) + "/";
        var checkpoints = Enumerable.Range(0, settings.TopicPartitions)
            .Select(partition => run + OutputLayout.CheckpointName(settings.Topic, partition))
            .ToHashSet(StringComparer.Ordinal);
        await PipelineTestKit.WaitUntilAsync(
            async () => (await BlobNamesAsync(container, run + OutputLayout.CheckpointsFolder, cancellationToken)).Any(checkpoints.Contains),
            $"a checkpoint blob of the run ({string.Join(", ", checkpoints)})", s_timeout);
        await PipelineTestKit.WaitUntilAsync(
            async () => (await BlobNamesAsync(container, run + OutputLayout.EventsFolder, cancellationToken))
                .Any(static name => name.EndsWith(OutputLayout.ParquetExtension, StringComparison.Ordinal)),
            "a committed Parquet blob of the run's events", s_timeout);
        Assert.False(Directory.Exists(Path.Combine(Data, "output")), "the StreamProcessor wrote to the data folder too");
        Assert.True(Directory.Exists(Path.Combine(Data, "azurite")), "Azurite keeps its blobs under the data folder");
    }

    private static async Task<List<string>> BlobNamesAsync(BlobContainerClient container, string prefix, CancellationToken cancellationToken)
    {
        var names = new List<string>();
        if (!await container.ExistsAsync(cancellationToken))
        {
            return names;
        }

        await foreach (var blob in container.GetBlobsAsync(new GetBlobsOptions { Prefix = prefix }, cancellationToken))
        {
            names.Add(blob.Name);
        }

        return names;
    }

    /// <summary>Skips (fails under CI) when <c>npm ci</c> has not installed Azurite in <c>tools/azurite</c>.</summary>
    private static void RequireInstalled(string packageDirectory)
    {
        try
        {
            AzuriteEmulator.RequireInstalled(packageDirectory);
        }
        catch (InvalidOperationException e)
        {
            if (Environment.GetEnvironmentVariable(ExternalClient.RequireVariable) == "1")
            {
                Assert.Fail($"{e.Message} {ExternalClient.RequireVariable}=1 demands it.");
            }

            Assert.Skip(e.Message);
        }
    }
}
