using System.Text.Json.Serialization;
using YamlDotNet.Serialization;
using MFlow.Scheduler.Params;
using MFlow.Scheduler.Pipelines;

namespace MFlow.Scheduler.Definitions;

/// <summary>
/// A job definition as written (YAML or JSON, camelCase): one job kind, its params, and optionally a
/// template (containers whose strings may use <c>$(params.NAME)</c>); without a template the kind's
/// built-in Job is used, configured by the params.
/// </summary>
public sealed class JobDefinitionDocument
{
    /// <summary>The job's name.</summary>
    public string? Name { get; set; }

    /// <summary>Its namespace.</summary>
    public string? Namespace { get; set; }

    /// <summary>Its domain.</summary>
    public string? Domain { get; set; }

    /// <summary>Its version (not "latest").</summary>
    public string? Version { get; set; }

    /// <summary>build, deploy or vm.</summary>
    public string? Kind { get; set; }

    /// <summary>What it does.</summary>
    public string? Description { get; set; }

    /// <summary>Labels to find it by.</summary>
    public Dictionary<string, string>? Labels { get; set; }

    /// <summary>Its params.</summary>
    public List<ParamSpec>? Params { get; set; }

    /// <summary>Its containers, when it does not use its kind's built-in Job.</summary>
    public JobTemplate? Template { get; set; }

    /// <summary>What a rollback run changes.</summary>
    public RollbackSpec? Rollback { get; set; }

    /// <summary>Scheduling, identity, resources and metadata of the job's pod (a task may add to it).</summary>
    public PodTemplateDocument? PodTemplate { get; set; }

    /// <summary>Exit codes (1 to 255) of the main container that no retry can cure: the task fails at once, reason NonRetryableExitCode.</summary>
    public List<int>? NonRetryableExitCodes { get; set; }
}

/// <summary>A job's containers and limits. Strings may contain $(params.NAME), replaced as data.</summary>
public sealed class JobTemplate
{
    /// <summary>The main container.</summary>
    public ContainerDocument? Container { get; set; }

    /// <summary>Containers run before it, in order.</summary>
    public List<ContainerDocument>? InitContainers { get; set; }

    /// <summary>Default retries: each a new attempt of the task.</summary>
    public int? Retries { get; set; }

    /// <summary>Default deadline.</summary>
    public int? TimeoutSeconds { get; set; }
}

/// <summary>What a rollback run of the job uses instead.</summary>
public sealed class RollbackSpec
{
    /// <summary>Param values for a rollback run (over the job's defaults, under the pipeline's).</summary>
    public Dictionary<string, string>? Params { get; set; }

    /// <summary>Required params a rollback run does without (a deploy's IMAGE: it undoes instead).</summary>
    public List<string>? Optional { get; set; }

    /// <summary>Rollback values of sensitive params as stored: encrypted, and absent from <see cref="Params"/>. Never read from a document a user sends.</summary>
    [YamlIgnore]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Dictionary<string, string>? ProtectedParams { get; set; }
}
