using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Pipeline.Benchmarks.Pipeline;
using Pipeline.StreamProcessor.Extensions;
using Pipeline.StreamProcessor.Kafka;
using Pipeline.StreamProcessor.Processing;
using Pipeline.StreamProcessor.Sinks;
using Pipeline.StreamProcessor.Storage;

namespace Pipeline.Benchmarks.Files;

/// <summary>
/// The service's own composition (<c>AddStreamProcessor</c>) on the service's defaults, but for the run's overrides, with
/// three things swapped: the clock is the run's fake one, the run's storage counts what it is asked to create and
/// delete (<see cref="CountingStorage"/>), and dead letters and windows are discarded (no Kafka).
/// </summary>
internal static class SimulatedHost
{
    public const string RunId = "files";

    public static IHost Build(string outputPath, FakeTimeProvider clock, IReadOnlyDictionary<string, string?> overrides)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [$"{SinkOptions.SectionName}:{nameof(SinkOptions.OutputPath)}"] = outputPath,
            [$"{SinkOptions.SectionName}:{nameof(SinkOptions.RunId)}"] = RunId,
            // Never connected to: the engine is driven without the worker and its Kafka clients.
            ["ConnectionStrings:kafka"] = "127.0.0.1:1",
        });
        builder.Configuration.AddInMemoryCollection(overrides);
        builder.Logging.ClearProviders();
        builder.Services.AddMetrics();
        // Before AddStreamProcessor, which registers the system clock only when no TimeProvider is registered.
        builder.Services.AddSingleton<TimeProvider>(clock);
        builder.AddStreamProcessor();
        builder.Services.Replace(ServiceDescriptor.Singleton<IResultPublisher>(DiscardingResultPublisher.Instance));
        builder.Services.Replace(ServiceDescriptor.Singleton<IRunStorage>(sp =>
            new CountingStorage(RunStorageFactory.Create(sp.GetRequiredService<IOptions<SinkOptions>>().Value))));
        return builder.Build();
    }

    /// <summary>
    /// The host's background services but the Kafka worker (the benchmark drives the engine in its place), started so that
    /// any background work registered beside the engine runs on the simulated clock as it would live.
    /// </summary>
    public static IReadOnlyList<IHostedService> BackgroundServices(IHost host) =>
        [.. host.Services.GetServices<IHostedService>().Where(static service => service is not StreamProcessorWorker)];
}
