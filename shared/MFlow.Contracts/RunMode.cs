using System.Text.Json.Serialization;

namespace MFlow.Contracts;

/// <summary>How a run executes its jobs.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<RunMode>))]
public enum RunMode
{
    /// <summary>A normal run.</summary>
    Normal,

    /// <summary>A rollback run: each job runs its rollback action (a deploy undoes its rollout).</summary>
    Rollback,
}
