namespace MFlow.Scheduler.Runs;

/// <summary>What dispatching a task needs beyond its plan.</summary>
/// <param name="Outputs">The outputs of the run's earlier tasks, by task name then output name.</param>
/// <param name="Unprotect">Decrypts a value the plan holds encrypted.</param>
/// <param name="ClusterKubeconfig">A registered cluster's kubeconfig, decrypted, or null.</param>
/// <param name="UpdateToken">The attempt's update token, or null.</param>
public sealed record DispatchInputs(
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> Outputs,
    Func<string, string> Unprotect,
    Func<string, string?> ClusterKubeconfig,
    string? UpdateToken)
{
    /// <summary>No outputs, nothing to decrypt, no token (rendering, tests).</summary>
    public static DispatchInputs None { get; } = new(new Dictionary<string, IReadOnlyDictionary<string, string>>(), v => v, _ => null, null);
}

/// <summary>A task's command, or why it cannot be dispatched.</summary>
public sealed record DispatchResult(Contracts.RunTaskCommand Command, string? Problem);
