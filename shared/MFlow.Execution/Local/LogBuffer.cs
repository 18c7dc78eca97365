namespace MFlow.Execution.Local;

/// <summary>A task's output: every line to a log file, the last few kept in memory for the report.</summary>
public sealed class LogBuffer(string logFile, int tailLines) : IDisposable
{
    const int MaxTailChars = 4096;
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

    /// <summary>The last lines, at most 4 KB.</summary>
    public string Tail()
    {
        lock (_lock)
        {
            var text = string.Join('\n', _tail);
            return text.Length <= MaxTailChars ? text : text[^MaxTailChars..];
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_lock)
            _file.Dispose();
    }
}
