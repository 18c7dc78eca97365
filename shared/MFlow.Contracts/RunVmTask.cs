namespace MFlow.Contracts;

/// <summary>Run a task whose Job runs an Ansible playbook against virtual machines. Consumed only by the vm worker.</summary>
public sealed record RunVmTask : RunTaskCommand
{
    /// <inheritdoc />
    public override JobKind Kind => JobKind.Vm;
}
