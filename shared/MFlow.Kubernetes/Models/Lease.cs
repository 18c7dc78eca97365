namespace MFlow.Kubernetes.Models;

/// <summary>A coordination.k8s.io/v1 Lease: what leader election holds and renews.</summary>
public sealed class Lease : KubernetesObject
{
    /// <summary>The API version.</summary>
    public const string ApiVersionValue = "coordination.k8s.io/v1";

    /// <summary>The kind.</summary>
    public const string KindValue = "Lease";

    /// <summary>Creates an empty Lease.</summary>
    public Lease()
        : base(ApiVersionValue, KindValue)
    {
    }

    /// <summary>Who holds it, and until when.</summary>
    public LeaseSpec? Spec { get; set; }
}

/// <summary>A Lease's holder and timing.</summary>
public sealed class LeaseSpec
{
    /// <summary>The current holder.</summary>
    public string? HolderIdentity { get; set; }

    /// <summary>How long the holder's claim lasts after its last renewal.</summary>
    public int? LeaseDurationSeconds { get; set; }

    /// <summary>When the current holder acquired it.</summary>
    public DateTimeOffset? AcquireTime { get; set; }

    /// <summary>When the current holder last renewed it.</summary>
    public DateTimeOffset? RenewTime { get; set; }

    /// <summary>How many times it changed hands.</summary>
    public int? LeaseTransitions { get; set; }
}
