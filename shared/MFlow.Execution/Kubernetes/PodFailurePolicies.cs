using k8s.Models;

namespace MFlow.Execution.Kubernetes;

/// <summary>
/// The podFailurePolicy of every task Job: a pod that an eviction, a preemption or a lost node took
/// away (its DisruptionTarget condition) is replaced without counting against the retry budget, and
/// an exit code the job names as non-retryable fails the Job at once. Valid as the API server checks
/// it: the pod's restartPolicy is Never, the codes are 1 to 255, sorted, distinct, at most 255.
/// </summary>
public static class PodFailurePolicies
{
    /// <summary>The Job condition reason Kubernetes gives a Job a FailJob rule failed.</summary>
    public const string PodFailurePolicyReason = "PodFailurePolicy";

    /// <summary>The policy for a Job whose main container is <paramref name="mainContainer"/>.</summary>
    public static V1PodFailurePolicy For(string mainContainer, IReadOnlyList<int> nonRetryableExitCodes)
    {
        var rules = new List<V1PodFailurePolicyRule>
        {
            new() { Action = "Ignore", OnPodConditions = [new V1PodFailurePolicyOnPodConditionsPattern { Type = "DisruptionTarget", Status = "True" }] },
        };
        var codes = nonRetryableExitCodes.Where(c => c is >= 1 and <= 255).Distinct().Order().Take(255).ToList();
        if (codes.Count > 0)
        {
            rules.Add(new V1PodFailurePolicyRule
            {
                Action = "FailJob",
                OnExitCodes = new V1PodFailurePolicyOnExitCodesRequirement { ContainerName = mainContainer, OperatorProperty = "In", Values = codes },
            });
        }

        return new V1PodFailurePolicy { Rules = rules };
    }
}
