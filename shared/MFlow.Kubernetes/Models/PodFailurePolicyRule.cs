namespace MFlow.Kubernetes.Models;

/// <summary>One pod failure policy rule: an action and what it matches.</summary>
public sealed class PodFailurePolicyRule
{
    /// <summary><c>FailJob</c>, <c>FailIndex</c>, <c>Ignore</c> or <c>Count</c>.</summary>
    public string? Action { get; set; }

    /// <summary>Matches on container exit codes.</summary>
    public PodFailurePolicyOnExitCodesRequirement? OnExitCodes { get; set; }

    /// <summary>Matches on pod conditions (e.g. <c>DisruptionTarget</c>).</summary>
    public List<PodFailurePolicyOnPodConditionsPattern>? OnPodConditions { get; set; }
}
