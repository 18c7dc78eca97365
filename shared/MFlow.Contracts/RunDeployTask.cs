namespace MFlow.Contracts;

/// <summary>Run a task whose Job deploys an image with kubectl. Consumed only by the deploy worker.</summary>
public sealed record RunDeployTask : RunTaskCommand
{
    /// <inheritdoc />
    public override JobKind Kind => JobKind.Deploy;
}
