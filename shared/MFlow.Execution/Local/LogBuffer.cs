using MFlow.Execution.Reporting;

namespace MFlow.Execution.Local;

/// <summary>A task's output: every line to a log file, the last few kept in memory for the report.</summary>
public sealed class LogBuffer(string logFile, int tailLines) : IDisposable
{
    readonly Queue<string> _tail = new();
    readonly StreamWriter _file = new(logFile, append: true) { AutoFlush = true };
    readonly Lock _lock = new();

    /// <summary>Where the whole log is kept.</summary>
    public string LogFile { get; } = logFile;

    /// <summary>Adds a line.</summary>
    public void Add(string container, string line)
    {
        lock (_lock)
        {
            _file.WriteLine($"[{container}] {line}");
            _tail.Enqueue(line);
            while (_tail.Count > tailLines)
                _tail.Dequeue();
        }
    }

    /// <summary>The last lines, at most <see cref="LogTail.MaxChars"/> characters.</summary>
    public string Tail()
    {
        lock (_lock)
            return LogTail.Of(_tail);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_lock)
            _file.Dispose();
    }
}
