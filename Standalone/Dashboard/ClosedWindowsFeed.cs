using System.Text.Json;
using Confluent.Kafka;

namespace Pipeline.Standalone.Dashboard;

/// <summary>
/// The latest closed window per id, read back from the processor's windows topic like any other
/// consumer of it would (group-less, from the beginning).
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

    private static bool TryParse(byte[] json, out ClosedWindow window)
    {
        try
        {
            var root = JsonDocument.Parse(json).RootElement;
            window = new ClosedWindow(
                root.GetProperty("id").GetInt32(),
                root.GetProperty("window_start").GetDateTime(),
                root.GetProperty("window_end").GetDateTime(),
                root.GetProperty("count").GetInt64(),
                root.GetProperty("avg_value").GetDouble(),
                root.GetProperty("min_value").GetDouble(),
                root.GetProperty("max_value").GetDouble());
            return true;
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            window = default;
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

internal readonly record struct ClosedWindow(int Id, DateTime Start, DateTime End, long Count, double Average, double Min, double Max);
