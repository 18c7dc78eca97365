using MFlow.Contracts;
using MFlow.ServiceDefaults;
using MFlow.ServiceDefaults.Telemetry;

namespace MFlow.Aggregator.Runs;

// Runs stopped by a timer or a rejection: cancelled like a user's cancellation, but ending Failed
// (reason Timeout) or Rejected, announced by PipelineRunFailed with that reason.
public sealed partial class RunTracker
{
    /// <summary>
    /// Stops the run: its running tasks now, the run once they stopped. A run already ended, being
    /// cancelled or stopped, or (for a stage timer) past that stage, ignores it: timers arrive late and twice.
    /// </summary>
    public Task RequestStopAsync(StopPipelineRun stop, CancellationToken cancellationToken) =>
        InTransactionAsync(async rows =>
        {
            if (stop.Outcome is not (RunStates.Failed or RunStates.Rejected))
                throw new PermanentMessageException($"Invalid StopPipelineRun: outcome '{stop.Outcome}' is not Failed or Rejected.");
            var run = await rows.LockRunAsync(stop.RunId, cancellationToken);
            if (run is { CancelRequested: true } || (run is not null && RunStates.IsFinal(run.State)))
                return [];
            if (stop.UnlessStageCompleted is { } stage && await rows.IsStageCompletedAsync(stop.RunId, stage, cancellationToken))
                return [];

            var reason = string.IsNullOrWhiteSpace(stop.Message) ? stop.Reason : stop.Message;
            await rows.RequestCancelAsync(run, stop.RunId, reason, stop.RequestedBy, cancellationToken);
            await rows.SetEndAsync(stop.RunId, stop.Outcome, stop.Reason, cancellationToken);
            logger.LogInformation("Run {RunId} stopped: {Outcome} ({Reason})", stop.RunId, stop.Outcome, reason);
            return run is { PlanKnown: true } ? await CancelActiveTasksAsync(rows, run with { CancelRequested = true }, cancellationToken) : [];
        }, cancellationToken);

    // Nothing of a stopped run runs any more: it ends in the state its stop asked for.
    async Task<IReadOnlyList<object>> EndStoppedRunAsync(
        RunRows rows, RunRow row, Persistence.Runs.PipelineRunState run, (string State, string Reason) end, CancellationToken cancellationToken)
    {
        var completedAt = DateTimeOffset.UtcNow;
        await rows.SetRunStateAsync(row.RunId, end.State, completedAt, cancellationToken);
        var ended = run.CompletedAt ?? completedAt;
        rows.AfterCommit(() => MFlowMetrics.RunFinished(run.PipelineName, end.State.ToLowerInvariant(), ended - (run.StartedAt ?? ended)));
        // The stage it stopped in: the first that had not completed.
        var stage = run.Stages.OrderBy(s => s.Index).FirstOrDefault(s => !s.Completed)?.Index ?? Math.Max(0, run.Stages.Count - 1);
        var stopped = run.Tasks.Values.Where(t => t.StageIndex == stage && t.State is not null && t.State != TaskState.Succeeded);
        return [new RunEnd(row, run.PipelineName, run.StartedAt, ended, links.For(row.RunId)).Failed(stage, RunProgress.Failures(stopped), end.Reason, run.CancelReason)];
    }
}
