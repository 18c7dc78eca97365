using MFlow.ServiceDefaults;

namespace MFlow.Scheduler.Runs;

/// <summary>
/// Starts a new run from an earlier run's snapshot: the same plan (exact job versions, resolved
/// params, sensitive values as they were stored, encrypted), new task ids, and a link back to the
/// original. Nothing is resolved again, so a job published or a param changed since makes no difference.
/// </summary>
public sealed class RunRerunner(RunAdmission admission, ILogger<RunRerunner> logger)
{
    /// <summary>
    /// Reruns <paramref name="original"/>. The idempotency key, if any, is scoped to the original: the
    /// same key twice for one run starts one rerun, and it never meets a key of a run started otherwise.
    /// </summary>
    /// <exception cref="Control.ConcurrencyLimitException">Its concurrency group is full and refuses more; nothing was stored.</exception>
    public async Task<SubmittedRun> RerunAsync(StoredRun original, string? idempotencyKey, string? triggeredBy, CancellationToken cancellationToken)
    {
        var runId = idempotencyKey is { Length: > 0 } key
            ? DeterministicGuid.Create(DeterministicGuid.RunNamespace, $"rerun:{original.Id:N}:{key}")
            : Guid.CreateVersion7();
        var plan = original.Plan with
        {
            Stages = original.Plan.Stages.Select(stage => stage with
            {
                Tasks = stage.Tasks.Select(task => task with { TaskId = RunPlanner.TaskId(runId, task.Name) }).ToList(),
            }).ToList(),
        };
        // The rerun's own request: who asked now, what caused it; the original's key stays the original's.
        var request = new RunRequest { Pipeline = new(), TriggeredBy = triggeredBy, Trigger = "rerun", Mode = plan.Mode };
        if (!await admission.TryAdmitAsync(runId, request, plan, rerunOf: original.Id, cancellationToken))
            return new SubmittedRun(runId, Created: false);

        logger.LogInformation("Run {RunId} reruns run {Original} of pipeline {Pipeline}", runId, original.Id, plan.PipelineName);
        return new SubmittedRun(runId, Created: true);
    }
}
