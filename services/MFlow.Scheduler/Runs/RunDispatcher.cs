using System.Data.Common;
using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;
using MFlow.Contracts;
using MFlow.Persistence;
using MFlow.Scheduler.Clusters;
using MFlow.Scheduler.Outputs;

namespace MFlow.Scheduler.Runs;

/// <summary>
/// Prepares a stage's messages inside the dispatch transaction: an update token per task attempt
/// (its hash stored in the same transaction), the outputs of earlier tasks, decrypted secrets, and
/// a registered cluster's kubeconfig. A task that cannot be dispatched (an output it needs is
/// missing, its cluster was deleted) gets a Failed TaskUpdated instead of a command, so the run fails visibly.
/// </summary>
public sealed class RunDispatcher(TaskTokenStore tokens, ClusterStore clusters, IDataProtectionProvider protection)
{
    /// <summary>The purpose sensitive values in run plans are encrypted for.</summary>
    public const string SecretParamsPurpose = "MFlow.Runs.SecretParams";

    readonly IDataProtector _protector = protection.CreateProtector(SecretParamsPurpose);

    /// <summary>Encrypts a sensitive value for the plan.</summary>
    public string Protect(string value) => _protector.Protect(value);

    /// <summary>The messages that start stage <paramref name="stageIndex"/>.</summary>
    public async Task<IReadOnlyList<object>> StageMessagesAsync(
        DbConnection connection, DbTransaction transaction, Guid runId, RunPlan plan, int stageIndex,
        IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> earlierOutputs, CancellationToken cancellationToken)
    {
        var stage = plan.Stages[stageIndex];
        var kubeconfigs = await KubeconfigsAsync(connection, transaction, stage.Tasks, cancellationToken);
        var now = DateTimeOffset.UtcNow;
        var skips = stage.Tasks.ToDictionary(t => t.TaskId, t => SkipDecision.For(plan, stage, t, earlierOutputs));
        var issued = await tokens.IssueAsync(connection, transaction, runId, stage.Tasks.Where(t => skips[t.TaskId] is null).Select(t => t.TaskId).ToList(), 1, cancellationToken);
        return stage.Tasks.Select(task => skips[task.TaskId] is { } skip
            ? SkipDecision.Update(runId, task, skip, now)
            : TaskMessage(runId, plan, stage, task, 1, issued[task.TaskId], earlierOutputs, kubeconfigs, now)).ToList();
    }

    /// <summary>
    /// The message that starts attempt <paramref name="attempt"/> of one task (a retry or a resume),
    /// or null when that attempt was dispatched before (its token exists): each attempt is dispatched once.
    /// </summary>
    public async Task<object?> AttemptMessageAsync(
        DbConnection connection, DbTransaction transaction, Guid runId, RunPlan plan, PlanStage stage, PlanTask task, int attempt,
        IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> earlierOutputs, CancellationToken cancellationToken)
    {
        if (await tokens.IssueOnceAsync(connection, transaction, runId, task.TaskId, attempt, cancellationToken) is not { } token)
            return null;
        var kubeconfigs = await KubeconfigsAsync(connection, transaction, [task], cancellationToken);
        return TaskMessage(runId, plan, stage, task, attempt, token, earlierOutputs, kubeconfigs, DateTimeOffset.UtcNow);
    }

    // The registered clusters' kubeconfigs the tasks need (an inline one wins over a registered one),
    // read in the dispatch's transaction; null for a cluster no longer registered.
    async Task<Dictionary<string, string?>> KubeconfigsAsync(DbConnection connection, DbTransaction transaction, IEnumerable<PlanTask> tasks, CancellationToken cancellationToken)
    {
        var kubeconfigs = new Dictionary<string, string?>();
        foreach (var cluster in tasks.Where(t => t.ProtectedKubeconfig is null).Select(t => t.Target.ClusterId).OfType<string>().Distinct())
            kubeconfigs[cluster] = await clusters.KubeconfigAsync(connection, transaction, cluster, cancellationToken);
        return kubeconfigs;
    }

    // The task's command, or a Failed TaskUpdated when an output it needs is missing or its cluster was
    // deleted after the run was accepted (without its kubeconfig the Job would act in the worker's own
    // cluster instead).
    object TaskMessage(
        Guid runId, RunPlan plan, PlanStage stage, PlanTask task, int attempt, string token,
        IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> earlierOutputs, Dictionary<string, string?> kubeconfigs, DateTimeOffset now)
    {
        if (task.ProtectedKubeconfig is null && task.Target.ClusterId is { } cluster && kubeconfigs.GetValueOrDefault(cluster) is null)
        {
            return Failed(runId, task, attempt, now, TaskFailureReasons.ClusterNotRegistered,
                $"Task '{task.Name}': cluster '{cluster}' is no longer registered (see /api/v1/clusters), so the task was not started.");
        }

        var inputs = new DispatchInputs(earlierOutputs, _protector.Unprotect, id => kubeconfigs.GetValueOrDefault(id), token);
        var result = StageDispatcher.Command(runId, plan, stage, task, attempt, now, inputs);
        return result.Problem is null ? result.Command : Failed(runId, task, attempt, now, TaskFailureReasons.MissingOutput, result.Problem);
    }

    static TaskUpdated Failed(Guid runId, PlanTask task, int attempt, DateTimeOffset now, string reason, string message) => new()
    {
        RunId = runId,
        TaskId = task.TaskId,
        TaskName = task.Name,
        Kind = task.Kind,
        Attempt = attempt,
        Sequence = TaskSequence.Of(attempt, TaskState.Failed),
        State = TaskState.Failed,
        Timestamp = now,
        FinishedAt = now,
        Reason = reason,
        Message = message,
        Worker = "scheduler",
    };

    /// <summary>
    /// The outputs of the run's tasks so far, by task name: what finished stages' tasks reported
    /// (kept from each StageCompleted in the scheduler's own table) and what tasks wrote back with
    /// their tokens, as <see cref="RunStore.TryAdvanceAsync"/> read them.
    /// </summary>
    public static IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> Outputs(AdvancedRun run)
    {
        var names = run.Plan.Stages.SelectMany(s => s.Tasks).ToDictionary(t => t.TaskId, t => t.Name);
        var reported = run.StageOutputs;
        foreach (var (taskId, written) in run.Written)
        {
            if (!names.TryGetValue(taskId, out var task))
                continue;
            if (!reported.TryGetValue(task, out var values))
                reported[task] = values = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (name, value) in written.Values)
                values[name] = value;
        }

        return reported.ToDictionary(e => e.Key, e => (IReadOnlyDictionary<string, string>)e.Value);
    }
}
