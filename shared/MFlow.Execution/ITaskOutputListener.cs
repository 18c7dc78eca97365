using MFlow.Execution.Reporting;

namespace MFlow.Execution;

/// <summary>Receives a task's output lines as they are produced (the embedded default prints them live).</summary>
public interface ITaskOutputListener
{
    /// <summary>One line a container of the task wrote to stdout or stderr.</summary>
    void OnOutput(TaskRef task, string container, string line);
}
