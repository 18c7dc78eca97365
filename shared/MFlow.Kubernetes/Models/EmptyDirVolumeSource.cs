namespace MFlow.Kubernetes.Models;

/// <summary>A scratch directory. An instance with no members set serialises as <c>{}</c>, which is valid.</summary>
public sealed class EmptyDirVolumeSource
{
    /// <summary><c>Memory</c> for tmpfs; node disk when null.</summary>
    public string? Medium { get; set; }

    /// <summary>Size limit as a quantity, e.g. <c>"1Gi"</c>.</summary>
    public string? SizeLimit { get; set; }
}
