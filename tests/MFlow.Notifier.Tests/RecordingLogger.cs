using Microsoft.Extensions.Logging;

namespace MFlow.Notifier.Tests;

/// <summary>Keeps every line logged to it (message and exception), for asserting what an operator would read.</summary>
public sealed class RecordingLogger<T> : ILogger<T>
{
    readonly List<string> _lines = [];

    /// <summary>Every line so far.</summary>
    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lines)
                return [.. _lines];
        }
    }

    /// <inheritdoc />
    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    /// <inheritdoc />
    public bool IsEnabled(LogLevel logLevel) => true;

    /// <inheritdoc />
    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (_lines)
            _lines.Add($"{logLevel}: {formatter(state, exception)}{(exception is null ? "" : " " + exception)}");
    }
}
