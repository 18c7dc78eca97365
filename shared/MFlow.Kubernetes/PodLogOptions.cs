namespace MFlow.Kubernetes;

/// <summary>What part of a pod's log to read.</summary>
public sealed record PodLogOptions
{
    /// <summary>The container; required when the pod has more than one.</summary>
    public string? Container { get; init; }

    /// <summary>Only the last lines.</summary>
    public long? TailLines { get; init; }

    /// <summary>At most this many bytes (the server may cut a line).</summary>
    public long? LimitBytes { get; init; }

    /// <summary>The log of the previous, terminated instance of the container.</summary>
    public bool Previous { get; init; }

    /// <summary>Only lines newer than this many seconds.</summary>
    public long? SinceSeconds { get; init; }

    /// <summary>Prefix each line with its RFC 3339 timestamp.</summary>
    public bool Timestamps { get; init; }
}
