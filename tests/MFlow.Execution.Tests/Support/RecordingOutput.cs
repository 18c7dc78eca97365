using System.Collections.Concurrent;
using MFlow.Execution.Reporting;
using MFlow.Testing;

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

    public Task WaitForLine(Guid taskId, string line) =>
        Eventually.UntilAsync(() => Task.FromResult(_lines.Any(l => l.TaskId == taskId && l.Line == line)), TimeSpan.FromSeconds(20), $"the task printed '{line}'");
}
