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
/// missing) gets a Failed TaskUpdated instead of a command, so the run fails visibly.
/// </summary>
public sealed class RunDispatcher(TaskTokenStore tokens, TaskOutputStore outputs, ClusterStore clusters, IDataProtectionProvider protection)
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
        var kubeconfigs = new Dictionary<string, string?>();
        foreach (var cluster in stage.Tasks.Select(t => t.Target.ClusterId).OfType<string>().Distinct())
            kubeconfigs[cluster] = await clusters.KubeconfigAsync(cluster, cancellationToken);

        var now = DateTimeOffset.UtcNow;
        var messages = new List<object>();
        var issued = await tokens.IssueAsync(connection, transaction, runId, stage.Tasks.Select(t => t.TaskId).ToList(), 1, cancellationToken);
        foreach (var task in stage.Tasks)
        {
            var inputs = new DispatchInputs(earlierOutputs, _protector.Unprotect, id => kubeconfigs.GetValueOrDefault(id), issued[task.TaskId]);
            var result = StageDispatcher.Command(runId, plan, stage, task, 1, now, inputs);
            messages.Add(result.Problem is null ? result.Command : new TaskUpdated
            {
                RunId = runId,
                TaskId = task.TaskId,
                TaskName = task.Name,
                Kind = task.Kind,
                Attempt = 1,
                Sequence = TaskSequence.Of(1, TaskState.Failed),
                State = TaskState.Failed,
                Timestamp = now,
                FinishedAt = now,
                Reason = "MissingOutput",
                Message = result.Problem,
                Worker = "scheduler",
            });
        }

        return messages;
    }

    /// <summary>
    /// The outputs of the run's tasks so far, by task name: what finished stages' tasks reported
    /// (<paramref name="reported"/>, kept from each StageCompleted in the scheduler's own table) and
    /// what tasks wrote back with their tokens.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>>> OutputsAsync(
        DbConnection connection, DbTransaction transaction, Guid runId, RunPlan plan, Dictionary<string, Dictionary<string, string>> reported, CancellationToken cancellationToken)
    {
        var names = plan.Stages.SelectMany(s => s.Tasks).ToDictionary(t => t.TaskId, t => t.Name);
        foreach (var (taskId, written) in await outputs.ForRunAsync(connection, transaction, runId, cancellationToken))
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
