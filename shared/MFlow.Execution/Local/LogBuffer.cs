using MFlow.Execution.Reporting;

namespace MFlow.Execution.Local;

/// <summary>A task's output: every line to a log file, the last few kept in memory for the report.</summary>
public sealed class LogBuffer(string logFile, int tailLines, MFlow.ServiceDefaults.LiveTaskLog? live = null) : IDisposable
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

        live?.Written();
    }

    /// <summary>
    /// The last lines, <paramref name="secrets"/> masked before they are cut to at most
    /// <see cref="LogTail.MaxChars"/> characters (a cut through a value would leave part of it readable).
    /// </summary>
    public string Tail(IReadOnlyList<string> secrets)
    {
        lock (_lock)
            return LogTail.Of([SecretMask.Apply(string.Join('\n', _tail), secrets)!]);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_lock)
            _file.Dispose();
    }
}
