using System.Text.RegularExpressions;
using MFlow.Documents;
using MFlow.Scheduler.Security;

namespace MFlow.Scheduler.Pipelines;

// The checks of a pipeline's run control: approval gates, concurrency groups, run and stage timeouts.
public static partial class PipelineValidator
{
    /// <summary>Shortest run, stage or approval timeout: a timer shorter than this is a mistake, not a policy.</summary>
    public static readonly TimeSpan MinTimeout = TimeSpan.FromSeconds(1);

    /// <summary>Longest run, stage or approval timeout.</summary>
    public static readonly TimeSpan MaxTimeout = TimeSpan.FromDays(30);

    /// <summary>Most runs of a concurrency group that may run at once.</summary>
    public const int MaxConcurrencyLimit = 1000;

    /// <summary>Most API keys an approval may name.</summary>
    public const int MaxApprovalKeys = 50;

    /// <summary>The policies of a concurrency group.</summary>
    public static readonly IReadOnlyList<string> ConcurrencyPolicies = ["queue", "cancel-in-progress", "reject"];

    /// <summary>What an approval's timeout may decide.</summary>
    public static readonly IReadOnlyList<string> TimeoutDecisions = ["reject", "approve"];

    static void CheckControl(ValidationErrors errors, PipelineDocument pipeline)
    {
        CheckTimeout(errors, "timeout", pipeline.Timeout);
        if (pipeline.Concurrency is { } concurrency)
            CheckConcurrency(errors, "concurrency", concurrency);
        foreach (var (path, stage, isFinally) in pipeline.AllStages())
        {
            if (stage is null)
                continue;
            CheckTimeout(errors, $"{path}.timeout", stage.Timeout);
            // A finally stage runs whatever happened before it, to clean up or report: nobody is asked first.
            if (stage.Approval is not null && isFinally)
                errors.Add($"{path}.approval", "A finally stage cannot wait for approval: it runs after the main stages whatever they did.");
            else if (stage.Approval is { } approval)
                CheckApproval(errors, $"{path}.approval", approval);
        }
    }

    /// <summary>Reads a validated timeout (null when none is set).</summary>
    public static TimeSpan? ParseTimeout(string? text) =>
        text is null ? null : DurationText.TryParse(text, out var duration, out _) ? duration : throw PipelineValidationException.For("timeout", $"'{TextRules.Shown(text)}' is not a duration.");

    static void CheckTimeout(ValidationErrors errors, string path, string? text)
    {
        if (text is null)
            return;
        if (!DurationText.TryParse(text, out var duration, out var problem))
            errors.Add(path, $"The timeout {TextRules.Shown(problem, 200)}.");
        else if (duration < MinTimeout || duration > MaxTimeout)
            errors.Add(path, $"A timeout is from {DurationText.Format(MinTimeout)} to {DurationText.Format(MaxTimeout)}; '{text}' is not.");
    }

    static void CheckConcurrency(ValidationErrors errors, string path, ConcurrencyDocument concurrency)
    {
        if (string.IsNullOrWhiteSpace(concurrency.Group))
            errors.Add($"{path}.group", "A concurrency group needs a name (e.g. deploy-$(params.ENVIRONMENT)).");
        else if (TextRules.CheckLine(concurrency.Group, TextRules.MaxNameLength * 2) is { } problem)
            errors.Add($"{path}.group", $"The group {problem}");
        else if (GroupReference().Matches(concurrency.Group).Any(m => !TextRules.IsParamName(m.Groups[1].Value)) || GroupReference().Replace(concurrency.Group, "").Contains("$(", StringComparison.Ordinal))
            errors.Add($"{path}.group", "A group name may use only $(params.NAME) references, NAME a param's name.");
        if (concurrency.Limit is < 1 or > MaxConcurrencyLimit)
            errors.Add($"{path}.limit", $"A limit is from 1 to {MaxConcurrencyLimit}.");
        if (concurrency.Policy is not null && !ConcurrencyPolicies.Contains(concurrency.Policy))
            errors.Add($"{path}.policy", $"'{TextRules.Shown(concurrency.Policy)}' is not a policy: expected {string.Join(", ", ConcurrencyPolicies)}.");
    }

    static void CheckApproval(ValidationErrors errors, string path, ApprovalDocument approval)
    {
        if (approval.Role is not null && !(ApiRoles.IsRole(approval.Role) && ApiRoles.Allows(approval.Role, ApiRoles.Operator)))
            errors.Add($"{path}.role", $"'{TextRules.Shown(approval.Role)}' cannot approve: expected {ApiRoles.Operator} or {ApiRoles.Admin}.");
        if (approval.Keys is { } keys)
        {
            if (keys.Count == 0 || keys.Count > MaxApprovalKeys)
                errors.Add($"{path}.keys", $"Name from 1 to {MaxApprovalKeys} API keys, or leave keys out.");
            for (var k = 0; k < keys.Count; k++)
            {
                if (string.IsNullOrWhiteSpace(keys[k]) || TextRules.CheckLine(keys[k], TextRules.MaxNameLength) is not null)
                    errors.Add($"{path}.keys[{k}]", $"An API key's name: at most {TextRules.MaxNameLength} characters, one line.");
            }
        }

        if (TextRules.CheckText(approval.Message) is { } messageProblem)
            errors.Add($"{path}.message", $"The message {messageProblem}");
        CheckTimeout(errors, $"{path}.timeout", approval.Timeout);
        if (approval.OnTimeout is not null)
        {
            if (!TimeoutDecisions.Contains(approval.OnTimeout))
                errors.Add($"{path}.onTimeout", $"'{TextRules.Shown(approval.OnTimeout)}' is not a decision: expected {string.Join(" or ", TimeoutDecisions)}.");
            else if (approval.Timeout is null)
                errors.Add($"{path}.onTimeout", "onTimeout needs a timeout.");
        }
    }

    /// <summary>A $(params.NAME) reference in a group name.</summary>
    [GeneratedRegex(@"\$\(params\.([^)]*)\)")]
    internal static partial Regex GroupReference();
}
