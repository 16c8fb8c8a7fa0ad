using Microsoft.Extensions.Configuration.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Pipeline.KafkaBroker;
using Pipeline.Producer.Extensions;
using Pipeline.Standalone.Dashboard;
using Pipeline.StreamProcessor.Extensions;
using Pipeline.StreamProcessor.Sinks;
using Pipeline.StreamProcessor.Storage;
using Spectre.Console;

namespace Pipeline.Standalone;

/// <summary>
/// Composition root of the one-command pipeline: the embedded broker, then the StreamProcessor and
/// the Producer as the same hosts their own Program.cs builds (through their Add* extensions, so no
/// service code is repeated here), with a live view. Stops in reverse order: the Producer flushes,
/// the StreamProcessor commits every lane and leaves its group, then the broker closes its log.
/// </summary>
internal static class StandaloneRunner
{
    public static async Task<int> RunAsync(StandaloneOptions options, CancellationToken cancellationToken)
    {
        var log = new RecentLog();
        using var loggerFactory = LoggerFactory.Create(logging => logging.AddProvider(log));
        await using var broker = await KafkaBrokerServer.StartAsync(options.BrokerOptions(), loggerFactory, cancellationToken: cancellationToken);
        var settings = options.ServiceSettings(broker.BootstrapServers);
        using var processor = BuildHost(settings, log, builder => builder.AddStreamProcessor());
        using var producer = BuildHost(settings, log, builder => builder.AddEventProducer());
        using var metrics = new PipelineMetrics();
        using var windows = new ClosedWindowsFeed(broker.BootstrapServers, options.WindowsTopic);
        // The run's folder or blob prefix (a URI without credentials), from the storage the StreamProcessor writes to.
        var outputLocation = processor.Services.GetRequiredService<IRunStorage>().Root;
        var toBlobStorage = processor.Services.GetRequiredService<IOptions<SinkOptions>>().Value.OutputConnectionString is not null;
        var view = new StatusView(options, broker.BootstrapServers, outputLocation, metrics, windows, log);

        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (options.Duration is { } duration)
        {
            stopping.CancelAfter(duration);
        }

        await processor.StartAsync(cancellationToken);
        await producer.StartAsync(cancellationToken);
        windows.Start();
        try
        {
            await ShowAsync(view, options.PlainOutput, stopping.Token);
        }
        finally
        {
            await producer.StopAsync(CancellationToken.None);
            await processor.StopAsync(CancellationToken.None);
        }

        Console.WriteLine(view.Line());
        Console.WriteLine($"Stopped cleanly. Output: {outputLocation}");
        Console.WriteLine(toBlobStorage
            ? $"Inspect it: ConnectionStrings__output='<the same connection string>' dotnet run --project StreamProcessor -- inspect --run {options.RunId}"
            : $"Inspect it: dotnet run --project StreamProcessor -- inspect --output {options.OutputPath} --run {options.RunId}");
        return 0;
    }

    private static IHost BuildHost(Dictionary<string, string?> settings, RecentLog log, Action<IHostApplicationBuilder> addService)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            ContentRootPath = Directory.GetCurrentDirectory(),
        });

        // Our settings come first, so environment variables (Pipeline__Windowing__WindowSize…) override them.
        builder.Configuration.Sources.Insert(0, new MemoryConfigurationSource { InitialData = settings });
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(log);
        builder.AddServiceDefaults();
        addService(builder);
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(30));
        return builder.Build();
    }

    private static async Task ShowAsync(StatusView view, bool plain, CancellationToken cancellationToken)
    {
        if (plain)
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                await DelayAsync(TimeSpan.FromSeconds(5), cancellationToken);
                view.Sample();
                Console.WriteLine(view.Line());
            }

            return;
        }

        await AnsiConsole.Live(view.Render()).StartAsync(async context =>
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                await DelayAsync(TimeSpan.FromSeconds(1), cancellationToken);
                view.Sample();
                context.UpdateTarget(view.Render());
            }
        });
    }

    private static async Task DelayAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, cancellationToken);
        }
        catch (OperationCanceledException)
        {
        }
    }
}
