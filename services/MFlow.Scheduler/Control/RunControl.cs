using System.Data.Common;
using System.Text.Json;
using MFlow.Contracts;
using MFlow.Documents;
using MFlow.Persistence;
using MFlow.Persistence.Outbox;
using MFlow.Persistence.Runs;
using MFlow.Scheduler.Runs;
using MFlow.ServiceDefaults;

namespace MFlow.Scheduler.Control;

/// <summary>
/// What stands between a run and its next dispatch: its concurrency group's slot, a stage's
/// approval gate, and the timers of the run and its stages. Every step is a conditional update in
/// the dispatch's transaction, its messages (and delayed timers) in the same outbox.
/// </summary>
public sealed class RunControl(
    Database database, RunDispatcher dispatcher, ApprovalGates gates, ConcurrencyGroups groups, Outputs.TaskOutputStore taskOutputs, Outbox.Outbox outbox, RunLinks links,
    RunEventJournal journal)
{
    /// <summary>
    /// The messages that start a run once it holds its slot: the run's timer and its first stage
    /// (or the first stage's gate).
    /// </summary>
    public async Task<List<object>> StartRunAsync(DbConnection connection, DbTransaction transaction, Guid runId, RunPlan plan, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var messages = new List<object>();
        if (plan.Timeout is { } timeout)
        {
            messages.Add(RunTimers.At(new StopPipelineRun
            {
                RunId = runId,
                Outcome = "Failed",
                Reason = "Timeout",
                Message = $"The run's timeout ({DurationText.Format(timeout)}) expired.",
            }, now + timeout));
        }

        messages.AddRange(await StartStageAsync(connection, transaction, runId, plan, 0, new Dictionary<string, IReadOnlyDictionary<string, string>>(), gatePassed: false, now, cancellationToken));
        // A first stage behind a gate announced WaitingForApproval instead.
        if (plan.Stages.Count == 0 || plan.Stages[0].Approval is null)
            await journal.AppendAsync(connection, transaction, [new RunStateChanged(runId, "Running", now)], cancellationToken);
        return messages;
    }

    /// <summary>
    /// The messages that start a stage: its gate when it has one not yet passed (the run waits, and
    /// says so), else its tasks and its timer.
    /// </summary>
    public async Task<List<object>> StartStageAsync(
        DbConnection connection, DbTransaction transaction, Guid runId, RunPlan plan, int stageIndex,
        IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> outputs, bool gatePassed, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var stage = plan.Stages[stageIndex];
        if (stage.Approval is { } approval && !gatePassed)
        {
            if (!await gates.OpenAsync(connection, transaction, runId, stage, now, cancellationToken))
                return []; // opened before: a duplicate
            await journal.AppendAsync(connection, transaction, [new RunStateChanged(runId, "WaitingForApproval", now)], cancellationToken);
            var run = await RunFactsAsync(connection, transaction, runId, cancellationToken);
            var messages = new List<object>
            {
                new PipelineRunWaitingForApproval
                {
                    RunId = runId,
                    PipelineName = plan.PipelineName,
                    StageIndex = stage.Index,
                    StageName = stage.Name,
                    Message = approval.Message,
                    ApproverRole = approval.Role,
                    ApproverKeys = approval.Keys,
                    WaitingSince = now,
                    ExpiresAt = approval.Timeout is { } wait ? now + wait : null,
                    OnTimeout = approval.Timeout is null ? null : approval.OnTimeout,
                    IdempotencyKey = run.IdempotencyKey,
                    TriggeredBy = run.TriggeredBy,
                    Trigger = run.Trigger,
                    RunUrl = links.For(runId),
                },
            };
            if (approval.Timeout is { } timeout)
                messages.Add(RunTimers.At(new ApprovalTimedOut { RunId = runId, StageIndex = stage.Index }, now + timeout));
            return messages;
        }

        var dispatched = (await dispatcher.StageMessagesAsync(connection, transaction, runId, plan, stageIndex, outputs, cancellationToken)).ToList();
        if (stage.Timeout is { } stageTimeout)
        {
            dispatched.Add(RunTimers.At(new StopPipelineRun
            {
                RunId = runId,
                Outcome = "Failed",
                Reason = "Timeout",
                Message = $"Stage '{stage.Name}' timed out after {DurationText.Format(stageTimeout)}.",
                UnlessStageCompleted = stage.TimeoutThrough ?? stage.Index,
            }, now + stageTimeout));
        }

        return dispatched;
    }

    /// <summary>
    /// Places a new run in its concurrency group (a run without one starts at once) and returns the
    /// messages that follow: its start when it got a slot, the cancellations cancel-in-progress asks for.
    /// </summary>
    /// <exception cref="ConcurrencyLimitException">The group is full and its policy is reject.</exception>
    public async Task<List<object>> AdmitAsync(DbConnection connection, DbTransaction transaction, Guid runId, RunPlan plan, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (plan.Concurrency is not { } concurrency)
            return await StartRunAsync(connection, transaction, runId, plan, now, cancellationToken);

        var admission = await groups.AdmitAsync(connection, transaction, runId, concurrency, now, cancellationToken);
        var messages = admission.Cancel
            .Select(older => (object)new CancelPipelineRun { RunId = older, Reason = $"a newer run ({runId}) of concurrency group '{concurrency.Group}' cancels it", RequestedBy = "concurrency group" })
            .ToList();
        if (admission.Admitted)
            messages.AddRange(await StartRunAsync(connection, transaction, runId, plan, now, cancellationToken));
        return messages;
    }

    /// <summary>
    /// A run ended: its open gate closes, its slot frees, and the queued runs that now fit start.
    /// Idempotent: the second report of an end finds nothing to free.
    /// </summary>
    public async Task<List<object>> RunEndedAsync(DbConnection connection, DbTransaction transaction, Guid runId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await gates.CloseAsync(connection, transaction, runId, now, cancellationToken);
        var messages = new List<object>();
        var pending = new Queue<Guid>(await groups.ReleaseAsync(connection, transaction, runId, now, cancellationToken));
        while (pending.TryDequeue(out var next))
        {
            // A run cancelled while it was queued ends without starting; its slot goes to the next.
            var state = await RunStatusReader.ReadAsync(connection, transaction, next, cancellationToken);
            if (state is { CancelRequested: true } || state?.CompletedAt is not null)
            {
                foreach (var after in await groups.ReleaseAsync(connection, transaction, next, now, cancellationToken))
                    pending.Enqueue(after);
                continue;
            }

            var plan = await PlanAsync(connection, transaction, next, cancellationToken);
            if (plan is not null)
                messages.AddRange(await StartRunAsync(connection, transaction, next, plan, now, cancellationToken));
        }

        return messages;
    }

    /// <summary>
    /// Decides the gate the run waits at, as <paramref name="approver"/> (an API key's name and role)
    /// or a timer: approval dispatches the stage, rejection stops the run (it ends Rejected).
    /// </summary>
    public async Task<DecisionOutcome> DecideAsync(Guid runId, int? stageIndex, bool approve, Approver approver, string? comment, CancellationToken cancellationToken)
    {
        IReadOnlyList<PendingMessage> pending;
        ApprovalRecord gate;
        await using (var connection = await database.OpenAsync(cancellationToken))
        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
        {
            var open = await gates.OpenGateAsync(connection, transaction, runId, cancellationToken);
            if (open is null || (stageIndex is { } expected && open.StageIndex != expected))
                return new DecisionOutcome(DecisionResult.NotWaiting, null, "The run is not waiting for an approval.");
            var state = await RunStatusReader.ReadAsync(connection, transaction, runId, cancellationToken);
            if (state is { CancelRequested: true } || state?.CompletedAt is not null)
                return new DecisionOutcome(DecisionResult.NotWaiting, null, $"The run is {(state.CompletedAt is null ? "being cancelled" : "over")}: nothing waits for an approval.");
            if (!approver.IsSystem && ApprovalPolicy.Refusal(open.Approval, approver) is { } refusal)
                return new DecisionOutcome(DecisionResult.NotAllowed, open, refusal);

            var now = DateTimeOffset.UtcNow;
            var decision = approve ? ApprovalGates.Decisions.Approved : ApprovalGates.Decisions.Rejected;
            if (!await gates.DecideAsync(connection, transaction, runId, open.StageIndex, decision, approver.Name, comment, now, cancellationToken))
                return new DecisionOutcome(DecisionResult.NotWaiting, null, "Somebody else decided first.");

            List<object> messages;
            if (approve)
            {
                var plan = (await PlanAsync(connection, transaction, runId, cancellationToken))!;
                var outputs = RunDispatcher.Outputs(new AdvancedRun(
                    plan, await StageOutputsAsync(connection, transaction, runId, cancellationToken),
                    await taskOutputs.ForRunAsync(connection, transaction, runId, cancellationToken)));
                messages = await StartStageAsync(connection, transaction, runId, plan, open.StageIndex, outputs, gatePassed: true, now, cancellationToken);
                await journal.AppendAsync(connection, transaction, [new RunStateChanged(runId, "Running", now)], cancellationToken);
            }
            else
            {
                messages =
                [
                    new StopPipelineRun
                    {
                        RunId = runId,
                        Outcome = "Rejected",
                        Reason = "Rejected",
                        Message = $"Stage '{open.StageName}' was rejected by {approver.Name}{(string.IsNullOrWhiteSpace(comment) ? "" : $": {comment}")}",
                        RequestedBy = approver.Name,
                    },
                ];
            }

            pending = await outbox.EnqueueAsync(connection, transaction, messages, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            gate = open with { Decision = decision, DecidedBy = approver.Name, DecidedAt = now, Comment = comment };
        }

        await outbox.PublishAsync(pending, cancellationToken);
        return new DecisionOutcome(DecisionResult.Decided, gate, null);
    }

    /// <summary>The gate the run waits at, or null.</summary>
    public async Task<ApprovalRecord?> OpenGateAsync(Guid runId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await gates.OpenGateAsync(connection, null, runId, cancellationToken);
    }

    /// <summary>The run's gates and its place in its concurrency group, as the API shows them.</summary>
    public async Task<Api.RunControlView> ViewAsync(Guid runId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var approvals = (await gates.ForRunAsync(connection, runId, cancellationToken)).Select(Api.ApprovalView.From).ToList();
        var place = await groups.PlaceAsync(connection, runId, cancellationToken);
        return new Api.RunControlView(approvals, place is null ? null : new Api.ConcurrencyView(place.Group, place.Limit, place.State, place.Position));
    }

    static async Task<RunPlan?> PlanAsync(DbConnection connection, DbTransaction transaction, Guid runId, CancellationToken cancellationToken)
    {
        await using var command = connection.Command("SELECT plan FROM runs WHERE id = @id", transaction, ("id", runId));
        return await command.ExecuteScalarAsync(cancellationToken) is string plan ? JsonSerializer.Deserialize<RunPlan>(plan, StoredJson.Options) : null;
    }

    static async Task<(string? IdempotencyKey, string? TriggeredBy, string? Trigger)> RunFactsAsync(DbConnection connection, DbTransaction transaction, Guid runId, CancellationToken cancellationToken)
    {
        await using var command = connection.Command("SELECT idempotency_key, triggered_by, trigger FROM runs WHERE id = @id", transaction, ("id", runId));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? (reader.GetNullableString(0), reader.GetNullableString(1), reader.GetNullableString(2)) : (null, null, null);
    }

    // What finished stages reported, by task then output name (as StageCompleted brought it).
    static async Task<Dictionary<string, Dictionary<string, string>>> StageOutputsAsync(DbConnection connection, DbTransaction transaction, Guid runId, CancellationToken cancellationToken)
    {
        await using var command = connection.Command("SELECT outputs FROM run_stage_outputs WHERE run_id = @run ORDER BY stage_index", transaction, ("run", runId));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var byTask = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken))
        {
            foreach (var (task, values) in JsonSerializer.Deserialize<Dictionary<string, Dictionary<string, string>>>(reader.GetString(0), StoredJson.Options) ?? [])
                byTask[task] = new Dictionary<string, string>(values, StringComparer.Ordinal);
        }

        return byTask;
    }
}

/// <summary>
/// Who decides a gate: an API key (its name and role), or MFlow itself (<see cref="IsSystem"/>: the
/// gate's timeout, the standalone's <c>--approve</c>), which the gate's list of deciders does not bind.
/// </summary>
public sealed record Approver(string Name, string? Role, bool IsSystem = false)
{
    /// <summary>The gate's own timeout.</summary>
    public static Approver Timer { get; } = new("timeout", null, IsSystem: true);
}

/// <summary>How a decision went.</summary>
public enum DecisionResult
{
    /// <summary>Recorded.</summary>
    Decided,

    /// <summary>The run does not wait for an approval (any more).</summary>
    NotWaiting,

    /// <summary>The gate does not let this approver decide.</summary>
    NotAllowed,
}

/// <summary>A decision's result, the gate, and why it was refused.</summary>
public sealed record DecisionOutcome(DecisionResult Result, ApprovalRecord? Gate, string? Problem);

/// <summary>Who a gate lets decide.</summary>
public static class ApprovalPolicy
{
    /// <summary>Why <paramref name="approver"/> may not decide the gate, or null when they may.</summary>
    public static string? Refusal(PlanApproval approval, Approver approver)
    {
        if (approval.Keys.Contains(approver.Name, StringComparer.Ordinal))
            return null;
        if (approval.Role is { } role && Security.ApiRoles.Allows(approver.Role, role))
            return null;
        var who = new List<string>();
        if (approval.Role is not null)
            who.Add($"keys with the '{approval.Role}' role or higher");
        if (approval.Keys.Count > 0)
            who.Add($"the keys {string.Join(", ", approval.Keys.Select(k => $"'{k}'"))}");
        return $"This gate may be decided only by {string.Join(" or ", who)}; the key '{approver.Name}' has the '{approver.Role ?? "none"}' role.";
    }
}
