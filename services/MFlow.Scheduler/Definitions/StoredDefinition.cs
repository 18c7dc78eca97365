namespace MFlow.Scheduler.Definitions;

/// <summary>A job or pipeline definition as stored.</summary>
public sealed record StoredDefinition(
    Guid Id,
    string Type,
    DefinitionName Name,
    string? Kind,
    string Stage,
    IReadOnlyDictionary<string, string> Labels,
    string Document,
    DateTimeOffset CreatedAt,
    string CreatedBy,
    DateTimeOffset UpdatedAt,
    string UpdatedBy,
    DateTimeOffset? PublishedAt,
    DateTimeOffset? DeprecatedAt);

/// <summary>A definition's stage (mflow's JOB_STAGE).</summary>
public static class DefinitionStages
{
    /// <summary>Editable and deletable; not usable by runs.</summary>
    public const string Draft = "draft";

    /// <summary>Immutable; usable by runs; "latest" resolves to the newest one.</summary>
    public const string Published = "published";

    /// <summary>No new run may use it; runs already using it finish.</summary>
    public const string Deprecated = "deprecated";
}

/// <summary>The two kinds of definition, as stored in the definitions table.</summary>
public static class DefinitionTypes
{
    /// <summary>A job definition.</summary>
    public const string Job = "job";

    /// <summary>A pipeline definition.</summary>
    public const string Pipeline = "pipeline";
}

/// <summary>One change to a definition: who, when, why.</summary>
public sealed record DefinitionChange(string Action, string Actor, string? Reason, DateTimeOffset At);

/// <summary>The outcome of a change that is only allowed in some stages.</summary>
public enum ChangeOutcome
{
    /// <summary>Done.</summary>
    Done,

    /// <summary>No such definition.</summary>
    NotFound,

    /// <summary>Not allowed in the definition's current stage.</summary>
    WrongStage,
}
