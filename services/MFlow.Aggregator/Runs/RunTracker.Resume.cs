using MFlow.Contracts;

namespace MFlow.Aggregator.Runs;

// Resuming a run in place.
public sealed partial class RunTracker
{
    /// <summary>
    /// Continues a Failed or Cancelled run from the stage it stopped in: that stage's tasks that did
    /// not succeed (failed, cancelled, never started) run again as their next attempt, its succeeded
    /// ones keep their outcome and outputs, and later stages follow as usual. A run in any other state
    /// (running, succeeded, resumed already by a duplicate of this message) is left as it is.
    /// </summary>
    public Task ResumeAsync(ResumePipelineRun resume, CancellationToken cancellationToken) =>
        InTransactionAsync(async rows =>
        {
            var run = await rows.LockRunAsync(resume.RunId, cancellationToken);
            if (run is not { PlanKnown: true } || run.State is not (RunStates.Failed or RunStates.Cancelled))
            {
                logger.LogInformation("Run {RunId} is {State}, not Failed or Cancelled: not resumed", resume.RunId, run?.State ?? "unknown");
                return [];
            }

            var state = (await rows.ReadRunStateAsync(run.RunId, cancellationToken))!;
            var stage = state.Stages.OrderBy(s => s.Index).FirstOrDefault(s => !(s.Completed && s.Succeeded));
            if (stage is null)
                return [];

            var tasks = stage.TaskIds.Select(id => state.Tasks[id]).ToList();
            // A skipped task stays skipped: its condition was decided when its stage was dispatched.
            var again = tasks.Where(t => t.State is not (TaskState.Succeeded or TaskState.Skipped)).Select(t => t.TaskId).ToList();
            var attempts = await rows.ResumeAsync(run.RunId, stage.Index, again, tasks.Count - again.Count, resume.RequestedBy, cancellationToken);
            logger.LogInformation("Run {RunId} resumed by {Who} at stage {Stage}: {Tasks} tasks run again", run.RunId, resume.RequestedBy, stage.Name, again.Count);

            var resumed = run with { State = RunStates.Running, CompletedAt = null, CancelRequested = false, CancelReason = null, CancelRequestedBy = null };
            if (again.Count == 0)
                return await CompleteStageAsync(rows, resumed, stage.Index, succeeded: true, cancellationToken);
            return attempts.Select(a => (object)new DispatchTaskAttempt { RunId = run.RunId, TaskId = a.Key, Attempt = a.Value, Cause = "resume" }).ToList();
        }, cancellationToken);
}
