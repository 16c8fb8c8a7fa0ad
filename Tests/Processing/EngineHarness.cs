using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Pipeline.StreamProcessor;
using Pipeline.StreamProcessor.Checkpointing;
using Pipeline.StreamProcessor.Extensions;
using Pipeline.StreamProcessor.Ingest;
using Pipeline.StreamProcessor.Processing;
using Pipeline.StreamProcessor.Sinks;
using Pipeline.StreamProcessor.Storage;
using Pipeline.StreamProcessor.Windowing;

namespace Pipeline.Tests.Processing;

/// <summary>
/// The engine as the service composes it (<c>AddStreamProcessor</c>), with a <see cref="FakeTimeProvider"/>, a
/// recording result publisher and a scripted source instead of Kafka; no Kafka client is ever resolved.
/// </summary>
internal sealed class EngineHarness : IDisposable
{
    public const string Topic = "engine";
    public const string RunId = "engine";
    public static readonly DateTime T0 = new(2025, 3, 1, 12, 0, 0, DateTimeKind.Utc);

    private readonly TempOutputDirectory _output = new();
    private readonly IHost _host;

    public EngineHarness(IDictionary<string, string?>? settings = null, IResultPublisher? publisher = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [$"{SinkOptions.SectionName}:{nameof(SinkOptions.OutputPath)}"] = _output.Path,
            [$"{SinkOptions.SectionName}:{nameof(SinkOptions.RunId)}"] = RunId,
            [$"{ProcessorOptions.SectionName}:{nameof(ProcessorOptions.Topic)}"] = Topic,
            // Off unless a test turns it on: the engine tests pin the files each batch leaves.
            [$"{SinkOptions.SectionName}:{nameof(SinkOptions.CompactionInterval)}"] = "00:00:00",
            ["ConnectionStrings:kafka"] = "127.0.0.1:1",
        });
        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }

        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(Logs);
        builder.Services.AddMetrics();
        builder.Services.AddSingleton<TimeProvider>(Time);
        builder.AddStreamProcessor();
        builder.Services.Replace(ServiceDescriptor.Singleton(publisher ?? Publisher));
        _host = builder.Build();
        Engine = _host.Services.GetRequiredService<ProcessingEngine>();
        // The local folder the options name, even when the run's storage is a container (then it stays empty).
        var sink = _host.Services.GetRequiredService<IOptions<SinkOptions>>().Value;
        Run = TestRun.Local(sink.OutputPath, sink.RunId);
        Source = new ScriptedSource(this);
    }

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(T0));

    public RecordingPublisher Publisher { get; } = new();

    public CapturingLoggerProvider Logs { get; } = new();

    public ProcessingEngine Engine { get; }

    public TestRun Run { get; }

    public ScriptedSource Source { get; }

    public CommitRetry CommitRetry => _host.Services.GetRequiredService<CommitRetry>();

    public T Service<T>()
        where T : notnull => _host.Services.GetRequiredService<T>();

    public static SourceMessage Event(int partition, long offset, int id, double value = 1.0, double seconds = 0) =>
        new(partition, offset, T0.AddSeconds(seconds), id.ToString(System.Globalization.CultureInfo.InvariantCulture),
            new DecodedValue(new SensorEvent(id, T0.AddSeconds(seconds), value, null), null, null, null));

    public static SourceMessage Rejected(int partition, long offset) =>
        new(partition, offset, T0, null, new DecodedValue(default, "malformed_json", "test", [(byte)'{']), Headers: []);

    /// <summary>Runs the script to its end; the source then stops the engine.</summary>
    public async Task RunAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        await Engine.PrepareAsync(ct);
        await Engine.RunAsync(Source, Source.Stopping).WaitAsync(TimeSpan.FromSeconds(60), ct);
    }

    /// <summary>
    /// The partition's committed checkpoint, or null when nothing was committed: the fence a lane writes on
    /// assignment for a fresh partition (offset 0, no watermark, no windows) counts as none.
    /// </summary>
    public PartitionCheckpoint? Checkpoint(int partition) =>
        Service<CheckpointStore>().LoadAsync(Topic, partition, CancellationToken.None).GetAwaiter().GetResult() is { } checkpoint
            && !(checkpoint is { NextOffset: 0, Watermark: null, LateEvents: 0 } && checkpoint.OpenWindows.Count == 0)
            ? checkpoint
            : null;

    /// <summary>The batch files (raw and aggregate) of a partition, by name.</summary>
    public string[] BatchFiles(int partition)
    {
        var prefix = OutputLayout.BatchFilePrefix(Topic, partition);
        if (!Directory.Exists(Run.Directory))
        {
            return [];
        }

        return [.. Directory.EnumerateFiles(Run.Directory, "*" + OutputLayout.ParquetExtension, SearchOption.AllDirectories)
            .Select(static f => Path.GetFileName(f))
            .Where(name => name.StartsWith(prefix, StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)];
    }

    /// <summary>Makes a folder of the run unwritable by putting a file in its place (fails even for root).</summary>
    public void Block(string directory)
    {
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }

        File.WriteAllText(directory, "not a folder");
    }

    public static void Unblock(string directory) => File.Delete(directory);

    public void Dispose()
    {
        _host.Dispose();
        _output.Dispose();
    }
}

/// <summary>
/// A source played from a script: each step is a message, or an action (advance the fake clock, revoke, look at
/// the output) after which the poll comes back empty, so the engine's triggers run. The engine stops when the
/// script ends. Every call the engine makes is logged, in order.
/// </summary>
internal sealed class ScriptedSource(EngineHarness harness) : IMessageSource
{
    private readonly Queue<Func<SourceMessage?>> _steps = new();
    private readonly CancellationTokenSource _stop = new();

    public CancellationToken Stopping => _stop.Token;

    /// <summary>Every call of the engine: <c>commit p@offset</c>, <c>pause</c>, <c>resume</c>, <c>close</c>.</summary>
    public List<string> Calls { get; } = [];

    /// <summary>For each offset hint: the checkpoint's next offset at that moment and the partition's batch files.</summary>
    public List<(int Partition, long Offset, long? CheckpointNextOffset, string[] Files)> Commits { get; } = [];

    /// <summary>What the partition's leader answers an offsets request; null: no answer (it is down or slow).</summary>
    public Func<int, LogOffsets?> Offsets { get; set; } = static _ => null;

    public ScriptedSource Deliver(params SourceMessage[] messages)
    {
        foreach (var message in messages)
        {
            _steps.Enqueue(() => message);
        }

        return this;
    }

    /// <summary>Runs <paramref name="action"/>, then delivers the message in the same poll: the flow never goes idle.</summary>
    public ScriptedSource DeliverAfter(Action action, SourceMessage message)
    {
        _steps.Enqueue(() =>
        {
            action();
            return message;
        });
        return this;
    }

    public ScriptedSource Then(Action action)
    {
        _steps.Enqueue(() =>
        {
            action();
            return null;
        });
        return this;
    }

    public ScriptedSource Advance(TimeSpan by) => Then(() => harness.Time.Advance(by));

    /// <summary>Waits for the lanes' compactions running in the background (the fake clock does not move meanwhile).</summary>
    public ScriptedSource WaitForCompactions() => Then(() =>
    {
        foreach (var lane in harness.Engine.Lanes)
        {
            lane.Compaction?.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing).GetAwaiter().GetResult();
        }
    });

    public ScriptedSource Assign(params int[] partitions) => Then(() => harness.Engine.AssignAsync(partitions).GetAwaiter().GetResult());

    /// <summary>One round of the <see cref="PartitionProber"/> over the assigned partitions, as the worker runs it every interval.</summary>
    public ScriptedSource Probe() => Then(() => harness.Service<PartitionProber>()
        .ProbeAsync(this, [.. harness.Engine.Lanes.Select(static l => l.Partition)], CancellationToken.None).GetAwaiter().GetResult());

    public bool TryReceive(TimeSpan timeout, out SourceMessage message)
    {
        message = default;
        if (!_steps.TryDequeue(out var step))
        {
            _stop.Cancel();
            return false;
        }

        if (step() is { } next)
        {
            message = next;
            return true;
        }

        return false;
    }

    public LogOffsets? QueryOffsets(int partition, TimeSpan timeout) => Offsets(partition);

    public void Pause() => Calls.Add("pause");

    public void Resume() => Calls.Add("resume");

    public void Pause(int partition) => Calls.Add($"pause {partition}");

    public void Resume(int partition) => Calls.Add($"resume {partition}");

    public void Commit(int partition, long nextOffset)
    {
        Calls.Add($"commit {partition}@{nextOffset}");
        Commits.Add((partition, nextOffset, harness.Checkpoint(partition)?.NextOffset, harness.BatchFiles(partition)));
    }

    public void Close()
    {
        Calls.Add("close");
        harness.Engine.RevokeAsync([.. harness.Engine.Lanes.Select(static l => l.Partition)]).GetAwaiter().GetResult();
    }
}

/// <summary>Records dead letters and closed windows instead of producing them.</summary>
internal sealed class RecordingPublisher : IResultPublisher
{
    public List<long> Rejected { get; } = [];

    public List<WindowAggregate> Windows { get; } = [];

    /// <summary>The same windows, each with the input partition whose lane closed it.</summary>
    public List<(int Partition, WindowAggregate Window)> WindowsByPartition { get; } = [];

    public int Confirms { get; private set; }

    public void PublishRejected(in SourceMessage message) => Rejected.Add(message.Offset);

    public long PublishWindows(int partition, IReadOnlyList<WindowAggregate> closed)
    {
        Windows.AddRange(closed);
        WindowsByPartition.AddRange(closed.Select(window => (partition, window)));
        return 0;
    }

    public bool TryConfirm(int partition, long mark, TimeSpan wait)
    {
        Confirms++;
        return true;
    }

    public void Forget(int partition)
    {
    }
}
