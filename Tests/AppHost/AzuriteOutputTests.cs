using System.Text.Json;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.AppHost.Topology;

namespace Pipeline.Tests.AppHost;

/// <summary>
/// The model with <c>output-storage=azurite</c>, built against the real Aspire.Hosting (not run): Azurite as an executable
/// (from npm) or a container, the <c>output</c> connection string pointing at its blob endpoint, and the StreamProcessor
/// referencing it and waiting for it; and by default neither.
/// </summary>
public sealed class AzuriteOutputTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "pipeline-azurite-model-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    [Fact]
    public async Task Model_WithAzuriteOutput_RunsAzuriteFromNpmAndTheStreamProcessorReferencesAndWaitsForIt()
    {
        // Arrange
        await using var builder = Builder([$"--{Key(PipelineParameters.OutputStorage)}=azurite"]);

        // Act
        var (settings, services) = AddModel(builder, AzuriteHosting.Executable);

        // Assert: Azurite is Node.js running the blob service of tools/azurite, on the port Aspire allocates, its blobs
        // under the data folder.
        Assert.Equal(OutputStorage.Azurite, settings.OutputStorage);
        var azurite = Assert.IsType<ExecutableResource>(Resource(builder, PipelineResources.Azurite));
        Assert.Equal("node", azurite.Command);
        var packageDirectory = AzuriteEmulator.ResolvePackageDirectory(builder.AppHostDirectory);
        Assert.Equal(packageDirectory, azurite.WorkingDirectory);
        Assert.True(File.Exists(Path.Combine(packageDirectory, "package.json")), $"no package.json in {packageDirectory}");
        var endpoint = Assert.Single(azurite.Annotations.OfType<EndpointAnnotation>());
        Assert.Equal((AzuriteEmulator.EndpointName, "http", (int?)null), (endpoint.Name, endpoint.UriScheme, endpoint.TargetPort));
        var arguments = await ArgumentsAsync(azurite);
        Assert.Equal(
            [
                Path.Combine(packageDirectory, AzuriteEmulator.BlobScript),
                "--blobHost", "127.0.0.1", "--blobPort", $"{{{PipelineResources.Azurite}.bindings.{AzuriteEmulator.EndpointName}.targetPort}}",
                "--location", Path.Combine(_folder, "azurite"), "--silent", "--disableTelemetry", "--skipApiVersionCheck",
            ],
            arguments);
        Assert.Contains(azurite.Annotations.OfType<HealthCheckAnnotation>(), static a => a.Key == PipelineResources.Azurite + "-blob");

        // The connection string is the development account's, at Azurite's blob endpoint.
        var output = Assert.IsAssignableFrom<IResourceWithConnectionString>(Resource(builder, PipelineResources.Output));
        var expression = output.ConnectionStringExpression;
        Assert.StartsWith($"DefaultEndpointsProtocol=http;AccountName={AzuriteEmulator.AccountName};AccountKey={AzuriteEmulator.AccountKey};BlobEndpoint=http://",
            expression.ValueExpression, StringComparison.Ordinal);
        Assert.All(expression.ValueProviders, provider => Assert.Same(azurite, Assert.IsType<EndpointReferenceExpression>(provider).Endpoint.Resource));

        // The StreamProcessor reads ConnectionStrings__output (no folder) and starts once Azurite is healthy.
        var processor = services.StreamProcessor.Resource;
        var environment = await EnvironmentAsync(processor);
        Assert.Equal($"{{{PipelineResources.Output}.connectionString}}", environment[ServiceEnvironment.OutputConnectionString]);
        Assert.DoesNotContain(ServiceEnvironment.ProcessorOutputPath, environment.Keys);
        Assert.Contains(processor.Annotations.OfType<WaitAnnotation>(), a => a.Resource == azurite);
        Assert.DoesNotContain(ServiceEnvironment.OutputConnectionString,
            (await EnvironmentAsync(services.Producer.Resource)).Keys);
    }

    [Fact]
    public async Task Model_ByDefault_HasNoAzuriteAndTheStreamProcessorWritesToTheDataFolder()
    {
        // Arrange
        await using var builder = Builder([]);

        // Act
        var (settings, services) = AddModel(builder, AzuriteHosting.Executable);

        // Assert
        Assert.Equal(OutputStorage.Folder, settings.OutputStorage);
        Assert.DoesNotContain(builder.Resources, static r => r.Name is PipelineResources.Azurite or PipelineResources.Output);
        var environment = await EnvironmentAsync(services.StreamProcessor.Resource);
        Assert.DoesNotContain(ServiceEnvironment.OutputConnectionString, environment.Keys);
        Assert.Equal(Path.Combine(_folder, "output"), environment[ServiceEnvironment.ProcessorOutputPath]);
    }

    [Fact]
    public async Task Model_WithAzuriteInTheDockerBuild_RunsItsContainerOnTheBlobPortWithAVolume()
    {
        // Arrange
        await using var builder = Builder([$"--{Key(PipelineParameters.OutputStorage)}=azurite"]);

        // Act
        var (_, services) = AddModel(builder, AzuriteHosting.Container);

        // Assert
        var azurite = Assert.IsType<ContainerResource>(Resource(builder, PipelineResources.Azurite));
        var image = Assert.Single(azurite.Annotations.OfType<ContainerImageAnnotation>());
        Assert.Equal((AzuriteEmulator.Image, AzuriteEmulator.Tag), (image.Image, image.Tag));
        Assert.Equal("mcr.microsoft.com/azure-storage/azurite", image.Image);
        var endpoint = Assert.Single(azurite.Annotations.OfType<EndpointAnnotation>());
        Assert.Equal((AzuriteEmulator.EndpointName, 10000), (endpoint.Name, endpoint.TargetPort));
        var volume = Assert.Single(azurite.Annotations.OfType<ContainerMountAnnotation>());
        Assert.Equal((AzuriteEmulator.DataVolume, "/data", ContainerMountType.Volume), (volume.Source, volume.Target, volume.Type));
        var arguments = await ArgumentsAsync(azurite);
        Assert.Equal(
            ["azurite-blob", "--blobHost", "0.0.0.0", "--blobPort", "10000", "--location", "/data", "--silent", "--disableTelemetry", "--skipApiVersionCheck"],
            arguments);
        Assert.Contains(azurite.Annotations.OfType<HealthCheckAnnotation>(), static a => a.Key == PipelineResources.Azurite + "-blob");
        Assert.Contains(services.StreamProcessor.Resource.Annotations.OfType<WaitAnnotation>(), a => a.Resource == azurite);
    }

    [Fact]
    public async Task Manifest_WithAzuriteOutput_PublishesItsContainerAndTheConnectionStringTheStreamProcessorReads()
    {
        // Arrange: the embedded-broker build, which runs Azurite from npm, still publishes its container.
        var cancellationToken = TestContext.Current.CancellationToken;
        var manifestPath = Path.Combine(_folder, "aspire-manifest.json");
        await using var builder = Builder(
            ["--publisher", "manifest", "--output-path", manifestPath, $"--{Key(PipelineParameters.OutputStorage)}=Azurite"]);
        AddModel(builder, AzuriteHosting.Executable);

        // Act
        await using var app = await builder.BuildAsync(cancellationToken);
        await app.RunAsync(cancellationToken).WaitAsync(TimeSpan.FromMinutes(2), cancellationToken);

        // Assert
        using var manifest = JsonDocument.Parse(await File.ReadAllTextAsync(manifestPath, cancellationToken));
        var resources = manifest.RootElement.GetProperty("resources");
        var azurite = resources.GetProperty(PipelineResources.Azurite);
        Assert.StartsWith("container.", azurite.GetProperty("type").GetString(), StringComparison.Ordinal);
        Assert.Equal($"{AzuriteEmulator.Image}:{AzuriteEmulator.Tag}", azurite.GetProperty("image").GetString());
        var blob = azurite.GetProperty("bindings").GetProperty(AzuriteEmulator.EndpointName);
        Assert.Equal(("http", 10000), (blob.GetProperty("scheme").GetString(), blob.GetProperty("targetPort").GetInt32()));

        var connectionString = resources.GetProperty(PipelineResources.Output).GetProperty("connectionString").GetString();
        Assert.Equal(
            $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AzuriteEmulator.AccountKey};" +
            "BlobEndpoint=http://{azurite.bindings.blob.host}:{azurite.bindings.blob.port}/devstoreaccount1;",
            connectionString);

        var processor = resources.GetProperty(PipelineResources.StreamProcessor).GetProperty("env");
        Assert.Equal("{output.connectionString}", processor.GetProperty(ServiceEnvironment.OutputConnectionString).GetString());
        Assert.False(processor.TryGetProperty(ServiceEnvironment.ProcessorOutputPath, out _));
    }

    [Fact]
    public void RequireInstalled_WithoutNpmCi_FailsNamingTheSettingAndTheCommand()
    {
        // Arrange: a package folder where npm ci never ran.
        Directory.CreateDirectory(_folder);

        // Act
        var ex = Assert.Throws<InvalidOperationException>(() => AzuriteEmulator.RequireInstalled(_folder));

        // Assert
        Assert.Contains($"'{PipelineParameters.OutputStorage}' (Parameters:{PipelineParameters.OutputStorage})", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"run `npm ci` in {_folder}", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddPipelineServices_AzuriteAskedForButNoOutputGiven_Fails()
    {
        // Arrange
        await using var builder = Builder([$"--{Key(PipelineParameters.OutputStorage)}=azurite"]);
        var settings = PipelineSettings.FromConfiguration(builder.Configuration);
        var kafka = builder.AddEmbeddedKafka<Projects.KafkaBroker>(settings);

        // Act
        var ex = Assert.Throws<ArgumentException>(() => builder.AddPipelineServices<Projects.Producer, Projects.StreamProcessor>(settings, kafka));

        // Assert
        Assert.Contains(PipelineParameters.OutputStorage, ex.Message, StringComparison.Ordinal);
    }

    private IDistributedApplicationTestingBuilder Builder(string[] args) =>
        DistributedApplicationTestingBuilder.Create([.. args, $"--{Key(PipelineParameters.DataDirectory)}={_folder}"]);

    /// <summary>The model as AppHost.cs builds it, with the embedded broker and Azurite run the given way.</summary>
    private static (PipelineSettings Settings, PipelineServices Services) AddModel(IDistributedApplicationTestingBuilder builder, AzuriteHosting hosting)
    {
        var settings = PipelineSettings.FromConfiguration(builder.Configuration);
        var kafka = builder.AddEmbeddedKafka<Projects.KafkaBroker>(settings).WithPipelineTopics(settings);
        var output = builder.AddPipelineOutput(settings, hosting);
        return (settings, builder.AddPipelineServices<Projects.Producer, Projects.StreamProcessor>(settings, kafka, output));
    }

    /// <summary>A resource's arguments as the manifest would write them (references as <c>{resource.bindings…}</c>).</summary>
    private static async Task<List<string>> ArgumentsAsync(IResource resource) =>
        [.. (await ConfigurationAsync(resource)).Arguments.Select(static argument => argument.Value)];

    /// <summary>A resource's environment as the manifest would write it (<c>{output.connectionString}</c>).</summary>
    private static async Task<Dictionary<string, string>> EnvironmentAsync(IResource resource) =>
        (await ConfigurationAsync(resource)).EnvironmentVariables.ToDictionary(static variable => variable.Key, static variable => variable.Value, StringComparer.Ordinal);

    private static async Task<IExecutionConfigurationResult> ConfigurationAsync(IResource resource)
    {
        var configuration = await ExecutionConfigurationBuilder.Create(resource)
            .WithArgumentsConfig()
            .WithEnvironmentVariablesConfig()
            .BuildAsync(new DistributedApplicationExecutionContext(DistributedApplicationOperation.Publish), NullLogger.Instance, TestContext.Current.CancellationToken);
        Assert.Null(configuration.Exception);
        return configuration;
    }

    private static IResource Resource(IDistributedApplicationTestingBuilder builder, string name) =>
        Assert.Single(builder.Resources, r => r.Name == name);

    private static string Key(string name) => PipelineParameters.ConfigurationKey(name);
}
