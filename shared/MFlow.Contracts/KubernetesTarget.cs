namespace MFlow.Contracts;

/// <summary>
/// Where a task's Job runs. With neither <see cref="ClusterId"/> nor an inline kubeconfig the Job
/// runs in the cluster the worker itself is configured for.
/// </summary>
public sealed record KubernetesTarget
{
    /// <summary>The namespace for the task's Job and the objects it owns; null means the worker's default namespace.</summary>
    public string? Namespace { get; init; }

    /// <summary>A cluster registered with MFlow, resolved by the worker at run time.</summary>
    public string? ClusterId { get; init; }

    /// <summary>
    /// True when the target cluster's kubeconfig was given inline; the content itself travels in
    /// <see cref="RunTaskCommand.SecretValues"/> under <see cref="SecretKeys.Kubeconfig"/>, never in a plain field.
    /// </summary>
    public bool InlineKubeconfig { get; init; }
}
