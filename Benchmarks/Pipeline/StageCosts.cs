using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Pipeline.StreamProcessor.Ingest;
using Pipeline.StreamProcessor.Sinks;
using Pipeline.StreamProcessor.Windowing;

namespace Pipeline.Benchmarks.Pipeline;

/// <summary>
/// Where the in-process time goes: each stage of the engine timed alone over the same corpus, with the service's
/// own components (decoder, window engine, raw buffer, Parquet writer). The stages run one after another on one
/// thread (the Parquet writer spreads its files over the cores, as in the service), so their inverse rates add up
/// to roughly the in-process run's time per event.
/// </summary>
internal static class StageCosts
{
    public sealed record Result(double DecodePerSecond, double WindowsPerSecond, double BufferPerSecond, double ParquetRowsPerSecond, int Files,
        double DecodeBytesPerEvent, double ParquetBytesPerRow);

    public static async Task<Result> MeasureAsync(EventCorpus corpus, string outputPath, CancellationToken cancellationToken)
    {
        using var host = InProcessRun.BuildHost(outputPath, "stages");
        var services = host.Services;
        var decoder = services.GetRequiredService<EventDecoder>();
        var windowing = services.GetRequiredService<IOptions<WindowingOptions>>().Value;
        var writer = services.GetRequiredService<ParquetBatchWriter>();

        var events = new SensorEvent[corpus.Count];
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        var stopwatch = Stopwatch.StartNew();
        for (var i = 0; i < corpus.Count; i++)
        {
            events[i] = decoder.Decode(corpus.Event(i)).Event;
        }

        var decode = corpus.Count / stopwatch.Elapsed.TotalSeconds;
        var decodeBytes = (GC.GetTotalAllocatedBytes(precise: true) - allocated) / (double)corpus.Count;

        var windows = new PartitionWindows(windowing, TimeProvider.System);
        stopwatch.Restart();
        foreach (ref readonly var e in events.AsSpan())
        {
            windows.Add(in e);
        }

        var aggregate = corpus.Count / stopwatch.Elapsed.TotalSeconds;

        var raw = new RawEventBatch();
        var kafkaTimestamp = EventCorpus.Start.UtcDateTime;
        stopwatch.Restart();
        for (var i = 0; i < events.Length; i++)
        {
            raw.Add(in events[i], corpus.Keys[i], i, kafkaTimestamp);
        }

        var buffer = corpus.Count / stopwatch.Elapsed.TotalSeconds;

        allocated = GC.GetTotalAllocatedBytes(precise: true);
        stopwatch.Restart();
        var files = await writer.WriteAsync("bench", 0, 0, raw, [], cancellationToken);
        var parquet = files.RawRows / stopwatch.Elapsed.TotalSeconds;
        var parquetBytes = (GC.GetTotalAllocatedBytes(precise: true) - allocated) / (double)files.RawRows;
        return new Result(decode, aggregate, buffer, parquet, files.FileCount, decodeBytes, parquetBytes);
    }
}
