using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Pipeline.Tests.TestKit;

/// <summary>
/// Keeps every log line with its event name and structured values, so tests can assert that something was reported,
/// how often and with which values.
/// </summary>
internal sealed class CapturingLoggerProvider : ILoggerProvider
{
    private readonly ConcurrentQueue<CapturedLog> _entries = new();

    public IReadOnlyList<CapturedLog> Entries => [.. _entries];

    /// <summary>The lowest level kept; Information unless a test needs Debug lines too.</summary>
    public LogLevel MinimumLevel { get; init; } = LogLevel.Information;

    /// <summary>Appends the exception (message and stack) to the line, as a console logger prints it.</summary>
    public bool IncludeExceptions { get; init; }

    public ILogger CreateLogger(string categoryName) => new CapturingLogger(this);

    public void Dispose()
    {
    }

    private sealed class CapturingLogger(CapturingLoggerProvider provider) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= provider.MinimumLevel && logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            var message = formatter(state, exception);
            if (exception is not null && provider.IncludeExceptions)
            {
                message += Environment.NewLine + exception;
            }

            var values = state as IReadOnlyList<KeyValuePair<string, object?>> ?? [];
            provider._entries.Enqueue(new CapturedLog(logLevel, eventId.Name, message, values.ToDictionary(static v => v.Key, static v => v.Value), exception));
        }
    }
}

/// <summary>One captured log line: its level, event name, formatted message, structured values and exception.</summary>
internal sealed record CapturedLog(LogLevel Level, string? Name, string Message, IReadOnlyDictionary<string, object?> Values, Exception? Exception);
