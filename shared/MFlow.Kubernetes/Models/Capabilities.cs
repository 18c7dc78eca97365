namespace MFlow.Kubernetes.Models;

/// <summary>Linux capabilities to add to or drop from a container.</summary>
public sealed class Capabilities
{
    /// <summary>Capabilities to add.</summary>
    public List<string>? Add { get; set; }

    /// <summary>Capabilities to drop, e.g. <c>ALL</c>.</summary>
    public List<string>? Drop { get; set; }
}
