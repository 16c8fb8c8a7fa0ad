using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using Confluent.Kafka;
using Pipeline.StreamProcessor.Contracts;

namespace Pipeline.Standalone.Dashboard;

/// <summary>
/// The latest closed window per id, read back from the processor's windows topic like any other
/// consumer of it would (group-less, from the beginning), through the processor's public contract
/// (<see cref="ClosedWindow"/>, <see cref="ClosedWindowJsonContext"/>).
/// </summary>
internal sealed class ClosedWindowsFeed(string bootstrapServers, string windowsTopic) : IDisposable
{
    private readonly SortedDictionary<int, ClosedWindow> _latest = [];
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;

    public IReadOnlyList<ClosedWindow> Latest
    {
        get
        {
            lock (_latest)
            {
                return [.. _latest.Values];
            }
        }
    }

    public void Start() => _loop = Task.Factory.StartNew(Run, TaskCreationOptions.LongRunning);

    private void Run()
    {
        using var consumer = new ConsumerBuilder<Ignore, byte[]>(new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = "standalone-dashboard-" + Guid.NewGuid().ToString("N"),
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
        }).SetLogHandler((_, _) => { }).SetErrorHandler((_, _) => { }).Build();
        consumer.Subscribe(windowsTopic);
        while (!_stop.IsCancellationRequested)
        {
            ConsumeResult<Ignore, byte[]>? result;
            try
            {
                result = consumer.Consume(TimeSpan.FromMilliseconds(250));
            }
            catch (ConsumeException)
            {
                continue; // the topic appears with the first closed window
            }

            if (result?.Message?.Value is { } value && TryParse(value, out var window))
            {
                lock (_latest)
                {
                    _latest[window.Id] = window;
                }
            }
        }

        consumer.Close();
    }

    internal static bool TryParse(byte[] json, [NotNullWhen(true)] out ClosedWindow? window)
    {
        try
        {
            window = JsonSerializer.Deserialize(json, ClosedWindowJsonContext.Default.ClosedWindow);
            return window is not null;
        }
        catch (JsonException)
        {
            window = null;
            return false;
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _loop?.Wait(TimeSpan.FromSeconds(5));
        _stop.Dispose();
    }
}
