namespace MFlow.Kubernetes.Models;

/// <summary>Matches a failed pod by the exit codes of its containers.</summary>
public sealed class PodFailurePolicyOnExitCodesRequirement
{
    /// <summary>Restricts the check to one container; all containers when null.</summary>
    public string? ContainerName { get; set; }

    /// <summary><c>In</c> or <c>NotIn</c>.</summary>
    public string? Operator { get; set; }

    /// <summary>The exit codes.</summary>
    public List<int> Values { get; set; } = [];
}
