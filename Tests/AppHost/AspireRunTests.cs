using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.AppHost.Topology;

namespace Pipeline.Tests.AppHost;

/// <summary>
/// The AppHost's model (the embedded broker, the Producer and the StreamProcessor) run by the real
/// Aspire orchestrator with the real dashboard: what <c>dotnet run --project AppHost
/// -p:EmbeddedKafka=true</c> starts, in a temporary data folder, on ports Aspire allocates.
/// </summary>
public sealed class AspireRunTests : IAsyncLifetime
{
    // Generous for a 2-core machine: the orchestrator, the dashboard and three .NET processes start.
    private static readonly TimeSpan s_timeout = TimeSpan.FromMinutes(4);

    private readonly string _data = Path.Combine(Path.GetTempPath(), "pipeline-aspire-" + Guid.NewGuid().ToString("N"));

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync()
    {
        if (Directory.Exists(_data))
        {
            Directory.Delete(_data, recursive: true);
        }

        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task Model_RunByTheOrchestrator_IsHealthyCommitsParquetLinksProgressAndShowsOneTraceAcrossBothServicesInTheDashboard()
    {
        // Arrange: a rate other than the default, to see the parameter reach the Producer.
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var builder = DistributedApplicationTestingBuilder.Create(
            new DistributedApplicationTestingBuilderOptions { EnableDashboard = true },
            [
                $"--{PipelineParameters.ConfigurationKey(PipelineParameters.EventsPerSecond)}=40",
                $"--{PipelineParameters.ConfigurationKey(PipelineParameters.DataDirectory)}={_data}",
            ]);
        var settings = PipelineSettings.FromConfiguration(builder.Configuration);
        var kafka = builder.AddEmbeddedKafka<Projects.KafkaBroker>(settings).WithPipelineTopics(settings);
        builder.AddPipelineServices<Projects.Producer, Projects.StreamProcessor>(settings, kafka);

        // Act
        await using var app = await builder.BuildAsync(cancellationToken);
        await app.StartAsync(cancellationToken).WaitAsync(s_timeout, cancellationToken);
        var notifications = app.Services.GetRequiredService<ResourceNotificationService>();
        foreach (var resource in new[] { PipelineResources.EmbeddedBroker, PipelineResources.Producer, PipelineResources.StreamProcessor })
        {
            await notifications.WaitForResourceHealthyAsync(resource, cancellationToken).WaitAsync(s_timeout, cancellationToken);
        }

        // Assert: the parameter reached the Producer (its start line names the rate it runs at).
        var producer = app.Services.GetRequiredService<DistributedApplicationModel>().Resources.Single(r => r.Name == PipelineResources.Producer);
        await WaitForLogLineAsync(app, producer, "at 40 msg/s", cancellationToken);

        // Parquet is committed under the data folder, where the AppHost sends the StreamProcessor's output.
        var run = TestRun.Local(Path.Combine(_data, "output"), "default").Directory;
        await PipelineTestKit.WaitUntilAsync(() => PipelineTestKit.CommittedRows(run) >= 40, "40 rows committed to Parquet", s_timeout);

        // Commits keep coming, trigger after trigger (a broker that loses its clients stalls them for minutes).
        var committed = PipelineTestKit.CommittedRows(run);
        for (var commit = 0; commit < 5; commit++)
        {
            var before = committed;
            await PipelineTestKit.WaitUntilAsync(() => (committed = PipelineTestKit.CommittedRows(run)) > before,
                $"commit {commit + 2} within 30 s of the previous one (rows stayed at {before})", TimeSpan.FromSeconds(30));
        }

        // The dashboard links the StreamProcessor's progress report, and the link answers with its partitions.
        var withProgress = await notifications.WaitForResourceAsync(PipelineResources.StreamProcessor,
            e => e.Snapshot.Urls.Any(static url => url.DisplayProperties.DisplayName == PipelineServicesExtensions.ProgressLinkText && !url.IsInactive),
            cancellationToken).WaitAsync(s_timeout, cancellationToken);
        var progressUrl = withProgress.Snapshot.Urls.First(static url => url.DisplayProperties.DisplayName == PipelineServicesExtensions.ProgressLinkText).Url;
        Assert.EndsWith(ServiceEnvironment.ProgressPath, progressUrl, StringComparison.Ordinal);
        using (var http = new HttpClient())
        {
            using var progress = await http.GetFromJsonAsync<JsonDocument>(new Uri(progressUrl), cancellationToken);
            Assert.Equal("default", progress!.RootElement.GetProperty("runId").GetString());
            Assert.NotEqual(0, progress.RootElement.GetProperty("partitions").GetArrayLength());
        }

        // The dashboard received a trace that runs from the Producer into the StreamProcessor, and metrics from both.
        using var dashboard = await DashboardClientAsync(app, builder.Configuration["AppHost:DashboardApiKey"], cancellationToken);
        await PipelineTestKit.WaitUntilAsync(
            async () => await TraceAcrossAsync(dashboard, PipelineResources.Producer, PipelineResources.StreamProcessor, cancellationToken),
            "a trace with spans of both the producer and the stream-processor in the dashboard", s_timeout);
        await PipelineTestKit.WaitUntilAsync(
            async () => await HasMetricsAsync(dashboard, PipelineResources.Producer, cancellationToken)
                && await HasMetricsAsync(dashboard, PipelineResources.StreamProcessor, cancellationToken),
            "metrics of the producer and the stream-processor in the dashboard", s_timeout);
    }

    private static async Task WaitForLogLineAsync(DistributedApplication app, IResource resource, string text, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(s_timeout);
        var logs = app.Services.GetRequiredService<ResourceLoggerService>();
        await foreach (var batch in logs.WatchAsync(resource).WithCancellation(timeout.Token))
        {
            if (batch.Any(line => line.Content.Contains(text, StringComparison.Ordinal)))
            {
                return;
            }
        }

        Assert.Fail($"{resource.Name} never logged '{text}'.");
    }

    /// <summary>The dashboard's telemetry API, with the key the testing builder gave the dashboard.</summary>
    private static async Task<HttpClient> DashboardClientAsync(DistributedApplication app, string? key, CancellationToken cancellationToken)
    {
        var url = await app.GetDashboardUrlAsync(cancellationToken).WaitAsync(s_timeout, cancellationToken);
        Assert.False(string.IsNullOrEmpty(key), "The testing builder gave the dashboard no API key.");
        var client = new HttpClient { BaseAddress = new Uri(url.GetLeftPart(UriPartial.Authority)) };
        client.DefaultRequestHeaders.Add("x-api-key", key);
        return client;
    }

    /// <summary>Whether one trace id has spans reported by both services (OTLP JSON, grouped by resource).</summary>
    private static async Task<bool> TraceAcrossAsync(HttpClient dashboard, string first, string second, CancellationToken cancellationToken)
    {
        using var traces = await dashboard.GetFromJsonAsync<JsonDocument>("/api/telemetry/spans?limit=2000", cancellationToken);
        var servicesByTrace = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var resourceSpans in traces!.RootElement.GetProperty("data").GetProperty("resourceSpans").EnumerateArray())
        {
            var service = ServiceName(resourceSpans.GetProperty("resource"));
            foreach (var scope in resourceSpans.GetProperty("scopeSpans").EnumerateArray())
            {
                foreach (var span in scope.GetProperty("spans").EnumerateArray())
                {
                    var traceId = span.GetProperty("traceId").GetString()!;
                    if (!servicesByTrace.TryGetValue(traceId, out var services))
                    {
                        servicesByTrace[traceId] = services = new HashSet<string>(StringComparer.Ordinal);
                    }

                    services.Add(service);
                }
            }
        }

        return servicesByTrace.Values.Any(services => services.Contains(first) && services.Contains(second));
    }

    private static async Task<bool> HasMetricsAsync(HttpClient dashboard, string resource, CancellationToken cancellationToken)
    {
        // The 13.6 dashboard API has no metrics endpoint; /resources says which resources sent metrics.
        using var resources = await dashboard.GetFromJsonAsync<JsonDocument>("/api/telemetry/resources", cancellationToken);
        return resources!.RootElement.EnumerateArray().Any(r =>
            r.GetProperty("name").GetString() == resource && r.GetProperty("hasMetrics").GetBoolean());
    }

    private static string ServiceName(JsonElement resource) =>
        resource.GetProperty("attributes").EnumerateArray()
            .Where(static a => a.GetProperty("key").GetString() == "service.name")
            .Select(static a => a.GetProperty("value").GetProperty("stringValue").GetString()!)
            .Single();
}
