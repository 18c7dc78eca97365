using System.Collections.Concurrent;
using MFlow.Execution.Reporting;

namespace MFlow.Execution.Tests.Support;

/// <summary>Records every output line the executor hands to its listeners, as (container, line).</summary>
public sealed class RecordingOutput : ITaskOutputListener
{
    readonly ConcurrentQueue<(Guid TaskId, string Container, string Line)> _lines = new();

    public void OnOutput(TaskRef task, string container, string line) => _lines.Enqueue((task.TaskId, container, line));

    public IReadOnlyList<(string Container, string Line)> Lines(Guid taskId) =>
        _lines.Where(l => l.TaskId == taskId).Select(l => (l.Container, l.Line)).ToList();

    public IReadOnlyList<string> Lines(Guid taskId, string container) =>
        _lines.Where(l => l.TaskId == taskId && l.Container == container).Select(l => l.Line).ToList();

    public async Task WaitForLine(Guid taskId, string line)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (!_lines.Any(l => l.TaskId == taskId && l.Line == line))
        {
            if (deadline.IsCancellationRequested)
                throw new TimeoutException($"The task never printed '{line}'.");
            await Task.Delay(10, CancellationToken.None);
        }
    }
}
