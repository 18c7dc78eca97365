namespace MFlow.Contracts;

/// <summary>Run a task whose Job builds an image (clone, then kaniko). Consumed only by the build worker.</summary>
public sealed record RunBuildTask : RunTaskCommand
{
    /// <inheritdoc />
    public override JobKind Kind => JobKind.Build;
}
