namespace MFlow.Kubernetes.Fake;

/// <summary>
/// How <see cref="FakeKubernetesServer.AutoRun"/> drives a new pod: optionally wait, become Running,
/// optionally wait again, then terminate with <see cref="ExitCode"/>.
/// </summary>
/// <param name="ExitCode">The main container's exit code (0 succeeds the pod, anything else fails it).</param>
/// <param name="Log">The main container's log.</param>
/// <param name="TerminationMessage">The main container's termination message, if any.</param>
/// <param name="RunningDelay">How long the pod stays Pending before it runs.</param>
/// <param name="CompletionDelay">How long the pod runs before it terminates.</param>
public sealed record PodScript(
    int ExitCode = 0,
    string Log = "",
    string? TerminationMessage = null,
    TimeSpan? RunningDelay = null,
    TimeSpan? CompletionDelay = null)
{
    /// <summary>
    /// When set, the pod never runs: its containers stay waiting with this reason (e.g. "ImagePullBackOff")
    /// and <see cref="WaitingMessage"/>.
    /// </summary>
    public string? WaitingReason { get; init; }

    /// <summary>The waiting message that goes with <see cref="WaitingReason"/>.</summary>
    public string WaitingMessage { get; init; } = "";

    /// <summary>A script that succeeds at once with the given log.</summary>
    public static PodScript Succeed(string log = "") => new(0, log);

    /// <summary>A script that fails at once with the given exit code and log.</summary>
    public static PodScript Fail(int exitCode, string log = "", string? terminationMessage = null) =>
        new(exitCode, log, terminationMessage);
}
