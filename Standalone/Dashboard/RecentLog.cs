using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Pipeline.StreamProcessor;

namespace Pipeline.Standalone.Dashboard;

/// <summary>
/// Keeps the last log lines of every host in memory, for the live view: the terminal belongs to the
/// dashboard, so the services' console logging is replaced by this. Written by hand: no logging
/// package served here has an in-memory ring-buffer sink.
/// </summary>
internal sealed class RecentLog(int capacity = 8) : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyList<string> Lines => [.. _lines];

    public ILogger CreateLogger(string categoryName) => new Logger(this, ShortName(categoryName));

    public void Dispose()
    {
    }

    private void Add(string line)
    {
        _lines.Enqueue(line);
        while (_lines.Count > capacity && _lines.TryDequeue(out _))
        {
        }
    }

    private static string ShortName(string category)
    {
        var dot = category.LastIndexOf('.');
        return dot < 0 ? category : category[(dot + 1)..];
    }

    private sealed class Logger(RecentLog log, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel) || eventId.Name == ProcessorLogEvents.WindowUpdateName)
            {
                return; // window tables have their own panel
            }

            var level = logLevel switch
            {
                LogLevel.Warning => "warn",
                LogLevel.Error or LogLevel.Critical => "fail",
                _ => "info",
            };
            log.Add($"{DateTime.Now:HH:mm:ss} {level} {category}: {formatter(state, exception)}");
        }
    }
}
