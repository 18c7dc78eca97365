namespace MFlow.Kubernetes.Models;

/// <summary>A container in a pod.</summary>
public sealed class Container
{
    /// <summary>The container name (a DNS-1123 label), unique within the pod.</summary>
    public string? Name { get; set; }

    /// <summary>The image reference.</summary>
    public string? Image { get; set; }

    /// <summary><c>Always</c>, <c>IfNotPresent</c> or <c>Never</c>.</summary>
    public string? ImagePullPolicy { get; set; }

    /// <summary>Replaces the image entrypoint.</summary>
    public List<string>? Command { get; set; }

    /// <summary>Replaces the image command (the entrypoint's arguments).</summary>
    public List<string>? Args { get; set; }

    /// <summary>The working directory.</summary>
    public string? WorkingDir { get; set; }

    /// <summary>Environment variables.</summary>
    public List<EnvVar>? Env { get; set; }

    /// <summary>Sources of environment variables taken whole from Secrets or ConfigMaps.</summary>
    public List<EnvFromSource>? EnvFrom { get; set; }

    /// <summary>Volume mounts.</summary>
    public List<VolumeMount>? VolumeMounts { get; set; }

    /// <summary>Compute resource requests and limits.</summary>
    public ResourceRequirements? Resources { get; set; }

    /// <summary>Container-level security settings.</summary>
    public SecurityContext? SecurityContext { get; set; }

    /// <summary>Path of the file whose content becomes the termination message.</summary>
    public string? TerminationMessagePath { get; set; }

    /// <summary><c>File</c> or <c>FallbackToLogsOnError</c>.</summary>
    public string? TerminationMessagePolicy { get; set; }
}
