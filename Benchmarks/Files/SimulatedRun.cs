using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Pipeline.Benchmarks.Pipeline;
using Pipeline.StreamProcessor;
using Pipeline.StreamProcessor.Kafka;
using Pipeline.StreamProcessor.Processing;
using Pipeline.StreamProcessor.Sinks;
using Pipeline.StreamProcessor.Storage;

namespace Pipeline.Benchmarks.Files;

/// <summary>
/// Runs the real engine through the simulated span: the <see cref="SimulatedSource"/> feeds it on the fake clock until
/// every event is produced, then stops it through its cancellation, so every lane commits as on a shutdown.
/// </summary>
internal static class SimulatedRun
{
    /// <summary>What the run did: events per partition, the simulated and wall time, what storage was asked to do, delays, memory.</summary>
    public sealed record Result(
        IReadOnlyList<long> Produced, TimeSpan Simulated, TimeSpan Wall, FileCounts Files, CommitDelays Delays, int Pauses,
        IReadOnlyList<int> PartitionOfId, SinkOptions Sink, string RunFolder, long PeakWorkingSet, PeakMemory.Start MemoryStart)
    {
        public long Events => Produced.Sum();
    }

    public static async Task<Result> RunAsync(SimulationSettings settings, string outputPath, CancellationToken cancellationToken)
    {
        var clock = new FakeTimeProvider(SimulationSettings.Start);
        using var host = SimulatedHost.Build(outputPath, clock, settings.Overrides);
        var services = host.Services;
        var sink = services.GetRequiredService<IOptions<SinkOptions>>().Value;
        var storage = (CountingStorage)services.GetRequiredService<IRunStorage>();
        var runFolder = (storage.Inner as LocalFileStorage)?.RootDirectory
            ?? throw new InvalidOperationException("The files benchmark counts the files of a local folder: leave ConnectionStrings:output unset.");
        var engine = services.GetRequiredService<ProcessingEngine>();
        var background = SimulatedHost.BackgroundServices(host);

        var memoryStart = PeakMemory.Reset();
        var wall = Stopwatch.StartNew();
        await engine.PrepareAsync(cancellationToken);
        foreach (var service in background)
        {
            await service.StartAsync(cancellationToken);
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var source = new SimulatedSource(engine, services.GetRequiredService<PartitionProber>(), services.GetRequiredService<EventValueDeserializer>(),
            clock, settings, services.GetRequiredService<IOptions<ProcessorOptions>>().Value.PartitionProbeInterval, stop);
        await engine.RunAsync(source, stop.Token);
        foreach (var service in background.Reverse())
        {
            await service.StopAsync(CancellationToken.None);
        }

        wall.Stop();
        var peak = PeakMemory.Read();
        cancellationToken.ThrowIfCancellationRequested();
        return new Result([.. source.Produced], clock.GetUtcNow() - SimulationSettings.Start, wall.Elapsed, storage.Counts, source.Delays, source.Pauses,
            source.PartitionOfId, sink, runFolder, peak, memoryStart);
    }
}
