namespace MFlow.Kubernetes.Models;

/// <summary>A <c>v1</c> Pod.</summary>
public sealed class Pod : KubernetesObject
{
    /// <summary>The API version of Pods.</summary>
    public const string ApiVersionValue = "v1";

    /// <summary>The kind of Pods.</summary>
    public const string KindValue = "Pod";

    /// <summary>Creates an empty Pod with <c>apiVersion</c> and <c>kind</c> set.</summary>
    public Pod()
        : base(ApiVersionValue, KindValue)
    {
    }

    /// <summary>The desired state.</summary>
    public PodSpec? Spec { get; set; }

    /// <summary>The observed state.</summary>
    public PodStatus? Status { get; set; }
}
