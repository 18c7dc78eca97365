namespace MFlow.Contracts;

/// <summary>A container's resource requests and limits, as Kubernetes quantities (<c>cpu: 500m</c>, <c>memory: 1Gi</c>).</summary>
public sealed record ContainerResources
{
    /// <summary>What the scheduler reserves for the container.</summary>
    public IReadOnlyDictionary<string, string> Requests { get; init; } = new Dictionary<string, string>();

    /// <summary>What the container may use at most.</summary>
    public IReadOnlyDictionary<string, string> Limits { get; init; } = new Dictionary<string, string>();
}
