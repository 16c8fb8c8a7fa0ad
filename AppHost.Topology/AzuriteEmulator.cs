using System.Globalization;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;

namespace Pipeline.AppHost.Topology;

/// <summary>How Azurite runs when the AppHost runs; a published model always describes its container.</summary>
public enum AzuriteHosting
{
    /// <summary>Node.js running the npm package that <c>npm ci</c> in <c>tools/azurite</c> installs: no Docker needed.</summary>
    Executable,

    /// <summary>Its container, <see cref="AzuriteEmulator.Image"/>: the Docker build.</summary>
    Container,
}

/// <summary>
/// Azurite, Microsoft's Azure Storage emulator, as the StreamProcessor's output with <c>output-storage=azurite</c>: its
/// blob service on an HTTP endpoint named <c>blob</c>, a health check that asks it for the account's properties, and
/// a connection string named <c>output</c> for the emulator's development account, which the StreamProcessor
/// references (<c>ConnectionStrings__output</c>) and so writes its run to <c>pipeline/run_&lt;RunId&gt;/</c>.
/// </summary>
/// <remarks>
/// Aspire.Hosting.Azure.Storage gives the same with
/// <c>builder.AddAzureStorage("storage").RunAsEmulator().AddBlobs(PipelineResources.Output)</c> (its connection string
/// is the one the StreamProcessor reads), but it is not served here, and its emulator is a container only. Swapping it
/// in replaces this class and <see cref="PipelineOutput"/>'s two resources; the services' side stays as it is.
/// </remarks>
public static class AzuriteEmulator
{
    /// <summary>The blob service's endpoint: a port Aspire allocates when run as an executable, 10000 in the container.</summary>
    public const string EndpointName = "blob";

    /// <summary>Azurite's own blob port, used in the container (the Azure SDK takes the account from the path on it).</summary>
    public const int ContainerBlobPort = 10000;

    public const string Image = "mcr.microsoft.com/azure-storage/azurite";

    /// <summary>The version <c>tools/azurite/package.json</c> pins, so both ways run the same Azurite.</summary>
    public const string Tag = "3.37.0";

    /// <summary>Where the container keeps its blobs: a named volume, as Kafka's data volume.</summary>
    public const string ContainerDataPath = "/data";

    public const string DataVolume = "pipeline-azurite-data";

    public const string AccountName = "devstoreaccount1";

    /// <summary>Azurite's well-known development account key: public, documented by Microsoft for the emulator only.</summary>
    public const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    /// <summary>The npm package, relative to the repository root; <c>npm ci</c> there installs Azurite.</summary>
    public const string PackageFolder = "tools/azurite";

    /// <summary>Azurite's blob service, relative to <see cref="PackageFolder"/> once installed.</summary>
    public const string BlobScript = "node_modules/azurite/dist/src/blob/main.js";

    /// <summary>
    /// The SDK (Azure.Storage.Blobs 12.30.1, in the StreamProcessor) speaks a newer API version than Azurite 3.37.0, which
    /// refuses it with a 400 unless told to skip the check; <c>--silent</c> keeps its per-request access log out of the
    /// dashboard.
    /// </summary>
    private static readonly string[] s_options = ["--silent", "--disableTelemetry", "--skipApiVersionCheck"];

    /// <summary>
    /// Azurite and the <c>output</c> connection string pointing at its blob endpoint: the executable or, when
    /// <paramref name="hosting"/> says so or when publishing, the container.
    /// </summary>
    public static PipelineOutput AddAzuriteOutput(this IDistributedApplicationBuilder builder, PipelineSettings settings, AzuriteHosting hosting)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(settings);
        IResourceBuilder<IResourceWithEndpoints> azurite = builder.ExecutionContext.IsPublishMode || hosting == AzuriteHosting.Container
            ? builder.AddAzuriteContainer()
            : builder.AddAzuriteExecutable(settings);
        var connection = builder.AddConnectionString(PipelineResources.Output, ConnectionString(azurite.GetEndpoint(EndpointName)));

        var healthCheckKey = PipelineResources.Azurite + "-blob";
        builder.Services.AddHealthChecks().Add(new(
            healthCheckKey,
            _ => new AzuriteHealthCheck(cancellationToken => connection.Resource.ConnectionStringExpression.GetValueAsync(cancellationToken)),
            failureStatus: null,
            tags: null));
        azurite.WithHealthCheck(healthCheckKey);
        return new PipelineOutput(connection, azurite);
    }

    /// <summary>
    /// The development account's connection string for <paramref name="blob"/>. The host is the endpoint's IPv4 address
    /// (127.0.0.1 when run): the Azure SDK reads the account from the path only on an IP address or on Azurite's own
    /// ports, and Aspire allocates another port.
    /// </summary>
    public static ReferenceExpression ConnectionString(EndpointReference blob)
    {
        ArgumentNullException.ThrowIfNull(blob);
        var expression = new ReferenceExpressionBuilder();
        expression.AppendLiteral($"DefaultEndpointsProtocol=http;AccountName={AccountName};AccountKey={AccountKey};BlobEndpoint=http://");
        expression.AppendFormatted(blob.Property(EndpointProperty.IPV4Host));
        expression.AppendLiteral(":");
        expression.AppendFormatted(blob.Property(EndpointProperty.Port));
        expression.AppendLiteral($"/{AccountName};");
        return expression.Build();
    }

    /// <summary>The npm package folder of a run started from <paramref name="appHostDirectory"/>: <c>tools/azurite</c> beside it.</summary>
    public static string ResolvePackageDirectory(string appHostDirectory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(appHostDirectory);
        return Path.GetFullPath(Path.Combine(appHostDirectory, "..", PackageFolder));
    }

    /// <summary>
    /// Azurite's command line after its host and port: its blobs under <paramref name="dataDirectory"/>, no access log,
    /// no telemetry, and no API version check.
    /// </summary>
    public static IReadOnlyList<string> Arguments(string dataDirectory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dataDirectory);
        return ["--location", dataDirectory, .. s_options];
    }

    /// <summary>The blob service's script in <paramref name="packageDirectory"/>, or a message saying how to install it.</summary>
    public static string RequireInstalled(string packageDirectory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(packageDirectory);
        var script = Path.Combine(packageDirectory, BlobScript);
        return File.Exists(script)
            ? script
            : throw new InvalidOperationException(
                $"AppHost parameter '{PipelineParameters.OutputStorage}' ({PipelineParameters.ConfigurationKey(PipelineParameters.OutputStorage)}) " +
                $"is azurite, which runs Azurite from npm, but it is not installed ({script} is missing): " +
                $"run `npm ci` in {packageDirectory} (Node.js 20 or later), or use the default, folder.");
    }

    /// <summary>
    /// Azurite run by Node.js from <c>tools/azurite</c>: its blob service on 127.0.0.1 at the target port Aspire
    /// allocates, its blobs in <c>azurite/</c> under the data folder. Whether it is installed is checked when the
    /// application starts, so building the model (and publishing it) does not need it.
    /// </summary>
    private static IResourceBuilder<ExecutableResource> AddAzuriteExecutable(this IDistributedApplicationBuilder builder, PipelineSettings settings)
    {
        var packageDirectory = ResolvePackageDirectory(builder.AppHostDirectory);
        var dataDirectory = Path.Combine(settings.ResolveDataDirectory(builder.AppHostDirectory), "azurite");
        var script = Path.Combine(packageDirectory, BlobScript);
        var azurite = builder.AddExecutable(PipelineResources.Azurite, "node", packageDirectory)
            .WithHttpEndpoint(name: EndpointName);
        var endpoint = azurite.GetEndpoint(EndpointName);
        azurite.WithArgs(context =>
        {
            context.Args.Add(script);
            context.Args.Add("--blobHost");
            context.Args.Add("127.0.0.1");
            context.Args.Add("--blobPort");
            context.Args.Add(endpoint.Property(EndpointProperty.TargetPort));
            foreach (var argument in Arguments(dataDirectory))
            {
                context.Args.Add(argument);
            }
        });
        builder.Eventing.Subscribe<BeforeStartEvent>((_, _) =>
        {
            RequireInstalled(packageDirectory);
            return Task.CompletedTask;
        });
        return azurite;
    }

    /// <summary>Azurite's container: the blob service only, on its own port, its blobs in a named volume.</summary>
    private static IResourceBuilder<ContainerResource> AddAzuriteContainer(this IDistributedApplicationBuilder builder) =>
        builder.AddContainer(PipelineResources.Azurite, Image, Tag)
            .WithHttpEndpoint(targetPort: ContainerBlobPort, name: EndpointName)
            .WithVolume(DataVolume, ContainerDataPath)
            .WithArgs([
                "azurite-blob", "--blobHost", "0.0.0.0", "--blobPort", ContainerBlobPort.ToString(CultureInfo.InvariantCulture),
                .. Arguments(ContainerDataPath)]);
}
