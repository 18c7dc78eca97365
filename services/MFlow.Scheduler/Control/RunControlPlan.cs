using MFlow.Scheduler.Pipelines;
using MFlow.Scheduler.Runs;

namespace MFlow.Scheduler.Control;

/// <summary>A run's concurrency group as planned: its name with params filled in.</summary>
/// <param name="Group">The group's name.</param>
/// <param name="Limit">Runs of the group that may run at once.</param>
/// <param name="Policy">queue, cancel-in-progress or reject.</param>
public sealed record PlanConcurrency(string Group, int Limit, string Policy);

/// <summary>A stage's approval gate as planned.</summary>
/// <param name="Role">The lowest role that may decide; null when only <paramref name="Keys"/> may.</param>
/// <param name="Keys">API keys (by name) that may decide.</param>
/// <param name="Message">What approvers are asked.</param>
/// <param name="Timeout">How long the run waits; null: until decided or cancelled.</param>
/// <param name="OnTimeout">What the timeout decides: reject or approve.</param>
public sealed record PlanApproval(string? Role, IReadOnlyList<string> Keys, string? Message, TimeSpan? Timeout, string OnTimeout);

/// <summary>Adds a pipeline's run control (concurrency group, timeouts, approval gates) to its plan.</summary>
public static class RunControlPlanner
{
    /// <summary>
    /// The plan with its run control. A sequential stage is planned as consecutive stages of one
    /// task each: its gate goes on the first, its timeout runs from the first to the last.
    /// </summary>
    /// <exception cref="PipelineValidationException">The group names a param that has no value, or one in <paramref name="sensitive"/>.</exception>
    public static RunPlan Apply(RunPlan plan, RunRequest request, IReadOnlySet<string> sensitive)
    {
        var pipeline = request.Pipeline;
        var stages = plan.Stages.ToList();
        var first = 0;
        // The main stages then the finally ones, in plan order.
        foreach (var (_, stage, _) in pipeline.AllStages())
        {
            var count = stage!.Parallel == false && stage.Tasks!.Count > 1 ? stage.Tasks.Count : 1;
            if (stage.Approval is { } approval)
            {
                stages[first] = stages[first] with
                {
                    Approval = new PlanApproval(
                        approval.Role ?? (approval.Keys is null ? Security.ApiRoles.Operator : null),
                        approval.Keys ?? [],
                        approval.Message,
                        PipelineValidator.ParseTimeout(approval.Timeout),
                        approval.OnTimeout ?? "reject"),
                };
            }

            if (PipelineValidator.ParseTimeout(stage.Timeout) is { } timeout)
                stages[first] = stages[first] with { Timeout = timeout, TimeoutThrough = first + count - 1 };
            first += count;
        }

        return plan with
        {
            Stages = stages,
            Timeout = PipelineValidator.ParseTimeout(pipeline.Timeout),
            Concurrency = pipeline.Concurrency is { } concurrency
                ? new PlanConcurrency(Group(concurrency.Group!, pipeline.Params, request.Params, sensitive), concurrency.Limit ?? 1, concurrency.Policy ?? "queue")
                : null,
        };
    }

    // The group's $(params.NAME) filled in from the run's values over the pipeline's. A group is
    // stored and shown in the clear (run views, 409 answers), so a param a job keeps sensitive is refused.
    static string Group(string group, IReadOnlyDictionary<string, string>? pipelineParams, IReadOnlyDictionary<string, string> runParams, IReadOnlySet<string> sensitive)
    {
        var errors = new ValidationErrors();
        var resolved = PipelineValidator.GroupReference().Replace(group, match =>
        {
            var name = match.Groups[1].Value;
            if (sensitive.Contains(name))
            {
                errors.Add("concurrency.group", $"The group uses $(params.{name}), which a job keeps sensitive: a group's name is stored and shown in the clear.");
                return "";
            }

            if (runParams.TryGetValue(name, out var value) || (pipelineParams?.TryGetValue(name, out value) ?? false))
                return value!;
            errors.Add("concurrency.group", $"The group uses $(params.{name}), which has no value: give it in the pipeline's or the run's params.");
            return "";
        });
        if (errors.IsEmpty && (string.IsNullOrWhiteSpace(resolved) || Pipelines.TextRules.CheckLine(resolved, Pipelines.TextRules.MaxNameLength * 2) is not null))
            errors.Add("concurrency.group", $"The group's name once filled in must be one line of 1 to {Pipelines.TextRules.MaxNameLength * 2} characters.");
        errors.ThrowIfAny();
        return resolved;
    }
}
