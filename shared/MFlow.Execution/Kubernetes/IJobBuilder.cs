using k8s.Models;
using MFlow.Contracts;

namespace MFlow.Execution.Kubernetes;

/// <summary>
/// Builds one job kind's part of a task's Job: a pure function from the task to containers, volumes
/// and the data of the task's Secret and ConfigMap. No I/O, so every manifest is testable and
/// renderable without a cluster. <see cref="TaskManifestFactory"/> adds what every Job shares.
/// </summary>
public interface IJobBuilder
{
    /// <summary>The kind this builder builds.</summary>
    JobKind Kind { get; }

    /// <summary>Builds the kind's part (for a task without a container of its own: see <see cref="TaskManifestFactory"/>).</summary>
    /// <exception cref="TaskParamException">A param is missing or invalid; nothing should be created.</exception>
    KindJobSpec Build(RunTaskCommand command, JobBuildContext context);

    /// <summary>Reads a finished Job's outputs from its main container's termination message.</summary>
    IReadOnlyDictionary<string, string> ReadOutputs(V1Job job, string? terminationMessage);
}

/// <summary>What a builder knows about where its Job goes.</summary>
/// <param name="Namespace">The Job's namespace.</param>
/// <param name="JobName">The Job's name (also its Secret's and ConfigMap's).</param>
/// <param name="Images">The configured images of the built-in kinds.</param>
public sealed record JobBuildContext(string Namespace, string JobName, JobImages Images)
{
    /// <summary>The name of the task's own Secret (update token, kubeconfig, sensitive values).</summary>
    public string SecretName => JobName;

    /// <summary>The name of the ConfigMap a builder asks for with <see cref="KindJobSpec.ConfigMapData"/>.</summary>
    public string ConfigMapName => JobName;
}

/// <summary>A kind's part of a task's Job.</summary>
public sealed class KindJobSpec
{
    /// <summary>The main container: its exit code and termination message are the task's.</summary>
    public required V1Container Main { get; init; }

    /// <summary>Containers run to completion, in order, before the main one.</summary>
    public List<V1Container> InitContainers { get; init; } = [];

    /// <summary>Volumes the containers mount.</summary>
    public List<V1Volume> Volumes { get; init; } = [];

    /// <summary>Extra keys of the task's Secret (mount it through <see cref="JobBuildContext.SecretName"/>).</summary>
    public Dictionary<string, string> SecretData { get; init; } = [];

    /// <summary>When set, the worker creates a ConfigMap (owned by the Job) with this data.</summary>
    public Dictionary<string, string>? ConfigMapData { get; init; }

    /// <summary>The pod's security context; default: non-root, RuntimeDefault seccomp.</summary>
    public V1PodSecurityContext? PodSecurity { get; init; }

    /// <summary>The service account the pod runs as; default: none mounted.</summary>
    public string? ServiceAccountName { get; init; }

    /// <summary>How the builder built the Job; it reads the outputs back the same way.</summary>
    public string Mode { get; init; } = ContainerDefaults.CustomMode;

    /// <summary>Extra annotations for the Job (facts <see cref="IJobBuilder.ReadOutputs"/> needs later).</summary>
    public Dictionary<string, string> Annotations { get; init; } = [];
}

/// <summary>A task param is missing or invalid for its job kind; the message names it.</summary>
public sealed class TaskParamException(string param, string message) : Exception($"Param {param}: {message}")
{
    /// <summary>The offending param.</summary>
    public string Param { get; } = param;
}
