using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Pipeline.Tests.TestKit;

/// <summary>Keeps every log line, so tests can assert that a fault was reported (and how often).</summary>
internal sealed class CapturingLoggerProvider : ILoggerProvider
{
    private readonly ConcurrentQueue<(LogLevel Level, string Message)> _entries = new();

    public IReadOnlyCollection<(LogLevel Level, string Message)> Entries => _entries;

    /// <summary>The lowest level kept; Information unless a test needs Debug lines too.</summary>
    public LogLevel MinimumLevel { get; init; } = LogLevel.Information;

    /// <summary>Appends the exception (message and stack) to the line, as a console logger prints it.</summary>
    public bool IncludeExceptions { get; init; }

    public ILogger CreateLogger(string categoryName) => new CapturingLogger(_entries, MinimumLevel, IncludeExceptions);

    public void Dispose()
    {
    }

    private sealed class CapturingLogger(ConcurrentQueue<(LogLevel, string)> entries, LogLevel minimumLevel, bool includeExceptions) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= minimumLevel && logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                entries.Enqueue((logLevel, exception is null || !includeExceptions ? formatter(state, exception) : formatter(state, exception) + Environment.NewLine + exception));
            }
        }
    }
}
