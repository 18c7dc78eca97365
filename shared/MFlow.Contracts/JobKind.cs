using System.Text.Json.Serialization;

namespace MFlow.Contracts;

/// <summary>The kind of Kubernetes Job a task runs; each kind has its own worker and queue.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<JobKind>))]
public enum JobKind
{
    /// <summary>Build an image: clone a repository and run the kaniko executor.</summary>
    Build,

    /// <summary>Deploy an image: a kubectl image updates a workload and waits for its rollout.</summary>
    Deploy,

    /// <summary>Roll out to virtual machines: Ansible in a container runs a playbook over SSH.</summary>
    Vm,
}
