using System.Text.Json.Serialization;
using YamlDotNet.Serialization;

namespace MFlow.Scheduler.Params;

/// <summary>
/// A param a job declares (mflow's run params): how it is used, what values it takes, and who may
/// set it. Written in job definitions as YAML or JSON, camelCase.
/// </summary>
public sealed class ParamSpec
{
    /// <summary>The param's name: letters, digits and '_', not starting with a digit; '_' first only for system variables.</summary>
    public string? Name { get; set; }

    /// <summary>How the runner uses it: env (default), template, runner or system.</summary>
    public string? Usage { get; set; }

    /// <summary>What values it takes: text (default), boolean, enum, urlOptions, secret, configMap.</summary>
    public string? Type { get; set; }

    /// <summary>A run cannot start without a value.</summary>
    public bool Required { get; set; }

    /// <summary>The value when nothing else gives one.</summary>
    public string? Default { get; set; }

    /// <summary>
    /// A sensitive param's default as stored: encrypted (<see cref="Definitions.DefinitionSecrets"/>),
    /// with <see cref="Default"/> left empty. Never read from a document a user sends.
    /// </summary>
    [YamlIgnore]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ProtectedDefault { get; set; }

    /// <summary>The allowed values of an enum.</summary>
    public List<string>? Options { get; set; }

    /// <summary>Where a front end fetches the options of a urlOptions param (only the URL is stored, as in mflow).</summary>
    public string? OptionsUrl { get; set; }

    /// <summary>Only the job's default applies; pipelines and runs cannot change it.</summary>
    public bool ReadOnly { get; set; }

    /// <summary>The value is secret: masked wherever it is shown, delivered to the task through a Secret.</summary>
    public bool Sensitive { get; set; }

    /// <summary>What it is for.</summary>
    public string? Description { get; set; }

    /// <summary>The parsed usage.</summary>
    public ParamUsage ParsedUsage => Usage?.ToLowerInvariant() switch
    {
        null or "" or "env" => ParamUsage.Env,
        "template" => ParamUsage.Template,
        "runner" => ParamUsage.Runner,
        "system" => ParamUsage.System,
        _ => ParamUsage.Unknown,
    };

    /// <summary>The parsed value type.</summary>
    public ParamValueType ParsedType => Type?.ToLowerInvariant() switch
    {
        null or "" or "text" => ParamValueType.Text,
        "boolean" or "bool" => ParamValueType.Boolean,
        "enum" => ParamValueType.Enum,
        "urloptions" or "url-options" => ParamValueType.UrlOptions,
        "secret" or "k8s-secret" => ParamValueType.SecretName,
        "configmap" or "k8s-configmap" => ParamValueType.ConfigMapName,
        _ => ParamValueType.Unknown,
    };
}

/// <summary>mflow's PARAM_USAGE_TYPE.</summary>
public enum ParamUsage
{
    /// <summary>Not one of the known usages.</summary>
    Unknown,

    /// <summary>An environment variable of the task's containers.</summary>
    Env,

    /// <summary>Substituted into the job's template as $(params.NAME), as data.</summary>
    Template,

    /// <summary>Read by the runner: CLUSTER (a registered cluster id), KUBECONFIG (inline), NAMESPACE.</summary>
    Runner,

    /// <summary>Injected by the runner (names start with '_'); cannot be set.</summary>
    System,
}

/// <summary>mflow's PARAM_VALUE_TYPE.</summary>
public enum ParamValueType
{
    /// <summary>Not one of the known types.</summary>
    Unknown,

    /// <summary>Any text.</summary>
    Text,

    /// <summary>true or false.</summary>
    Boolean,

    /// <summary>One of the declared options.</summary>
    Enum,

    /// <summary>Options a front end fetches from a URL; any value is accepted here.</summary>
    UrlOptions,

    /// <summary>The name of a Kubernetes Secret.</summary>
    SecretName,

    /// <summary>The name of a Kubernetes ConfigMap.</summary>
    ConfigMapName,
}
