namespace MFlow.Kubernetes.Models;

/// <summary>Maps a Secret or ConfigMap key to a relative file path in a volume.</summary>
public sealed class KeyToPath
{
    /// <summary>The key.</summary>
    public string? Key { get; set; }

    /// <summary>The relative path of the file.</summary>
    public string? Path { get; set; }

    /// <summary>File mode bits for this file (decimal in JSON).</summary>
    public int? Mode { get; set; }
}
