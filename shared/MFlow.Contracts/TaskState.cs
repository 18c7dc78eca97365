using System.Text.Json.Serialization;

namespace MFlow.Contracts;

/// <summary>Where a task is in its life. Succeeded, Failed and Cancelled are terminal.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<TaskState>))]
public enum TaskState
{
    /// <summary>Accepted by a worker (its Job or process exists) but not running yet.</summary>
    Pending,

    /// <summary>Running.</summary>
    Running,

    /// <summary>Finished with exit code 0.</summary>
    Succeeded,

    /// <summary>Finished unsuccessfully: a non-zero exit code, a retry budget or deadline exhausted, or a worker error.</summary>
    Failed,

    /// <summary>Stopped because somebody cancelled it.</summary>
    Cancelled,
}
