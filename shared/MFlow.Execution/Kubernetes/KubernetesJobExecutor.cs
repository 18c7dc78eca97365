using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using MFlow.Contracts;
using MFlow.Execution.Reporting;
using MFlow.Kubernetes;
using Microsoft.Extensions.Logging;

namespace MFlow.Execution.Kubernetes;

/// <summary>
/// The <c>kubernetes</c> executor for one job kind: creates the task's Job, then its Secret and
/// ConfigMap owned by the Job (ownerReference), and returns; its <see cref="JobTracker"/> reports
/// from there. Names are deterministic, so a redelivered command finds them (409) and adopts them, and
/// never runs again an attempt whose outcome was decided (its Job is kept as the attempt's tombstone).
/// </summary>
public sealed partial class KubernetesJobExecutor(
    IKubernetesApi client,
    IJobBuilder builder,
    KubernetesExecutorOptions options,
    TaskReporter reporter,
    TaskCancellations cancellations,
    JobCap cap,
    ILogger<KubernetesJobExecutor> logger) : ITaskExecutor
{
    // How long the Secret and ConfigMap of a created Job may take, whatever happens to the command's delivery.
    static readonly TimeSpan OwnObjectsTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The namespace a task without one goes to.</summary>
    public string DefaultNamespace { get; } = options.Namespace ?? client.DefaultNamespace;

    /// <inheritdoc />
    public async Task ExecuteAsync(RunTaskCommand command, CancellationToken cancellationToken)
    {
        var task = TaskRef.Of(command);
        var @namespace = command.Target.Namespace ?? DefaultNamespace;
        if (!IsManaged(@namespace))
        {
            await FailAsync(task, "NamespaceNotManaged", $"This worker does not run Jobs in namespace '{@namespace}' (MFlow:Kubernetes:Namespaces).", cancellationToken);
            return;
        }

        if (cancellations.ReasonFor(command.TaskId, command.Attempt) is { } reason)
        {
            await ReportCancelledAsync(task, reason, cancellationToken);
            return;
        }

        TaskManifests manifests;
        try
        {
            manifests = TaskManifestFactory.Build(command, builder, @namespace, options);
        }
        catch (TaskParamException ex)
        {
            await FailAsync(task, "InvalidParams", ex.Message, cancellationToken);
            return;
        }

        // With no cap, no request: the create below is the first one. The slot is held until the
        // Job exists (the next count sees it), released at the latest when this method ends.
        using var slot = cap.Enabled
            ? await cap.WaitForSlotAsync(@namespace, manifests.Job.Metadata.Name, () => cancellations.ReasonFor(command.TaskId, command.Attempt) is not null, cancellationToken)
            : null;
        if (cap.Enabled && slot is null)
        {
            await ReportCancelledAsync(task, cancellations.ReasonFor(command.TaskId, command.Attempt) ?? "The task was cancelled.", cancellationToken);
            return;
        }

        // The Job first, then the task's own Secret and ConfigMap created already owned by it (its uid in
        // their ownerReferences): no patch, and nothing is ever left without an owner (a Job deleted
        // meanwhile leaves them dangling, which the garbage collector deletes at once). Its pod waits
        // for them in ContainerCreating or CreateContainerConfigError if it gets there first, which on a
        // real cluster it seldom can (scheduling and its sandbox come first); TaskStatusMapper does not
        // show that wait as the task's (WaitsForOwnObject).
        V1Job job;
        var adopted = false;
        try
        {
            job = await client.CreateJobAsync(manifests.Job, cancellationToken);
        }
        catch (HttpOperationException ex) when (ex.Is(HttpStatusCode.Conflict))
        {
            // A redelivered command (or a retry after a lost answer): the Job is ours; adopt it.
            job = await client.ReadJobAsync(@namespace, manifests.Job.Metadata.Name, cancellationToken);
            adopted = true;
        }
        catch (HttpOperationException ex) when (ex.Is(HttpStatusCode.UnprocessableEntity) || ex.Is(HttpStatusCode.BadRequest))
        {
            await FailAsync(task, "InvalidJob", $"Kubernetes refused the task's Job: {ex.Describe()}", cancellationToken);
            return;
        }
        catch (HttpOperationException ex) when (ex.Is(HttpStatusCode.Forbidden))
        {
            await FailAsync(task, "Forbidden", $"The worker may not create the task's Job in namespace '{@namespace}': {ex.Describe()}", cancellationToken);
            return;
        }
        finally
        {
            slot?.Dispose();
        }

        // A Job whose outcome the tracker already decided (see JobTracker.FailStuck) is its attempt's
        // tombstone: a command delivered again after that must not run the attempt a second time.
        if (adopted && TaskStatusMapper.DecidedOutcome(job) is not null)
        {
            LogAlreadyDecided(logger, command.TaskName, command.Attempt, @namespace, job.Metadata.Name);
            return;
        }

        // Its pod waits for them: they are created even if the command's delivery is being cancelled
        // (the broker went away), within a bound of their own.
        var owner = TaskManifestFactory.OwnerReferenceTo(job);
        using var finishing = new CancellationTokenSource(OwnObjectsTimeout);
        try
        {
            if (manifests.Secret is { } secret)
                await CreateOwnedAsync(secret, owner, client.CreateSecretAsync, client.SetSecretOwnerAsync, finishing.Token);
            if (manifests.ConfigMap is { } configMap)
                await CreateOwnedAsync(configMap, owner, client.CreateConfigMapAsync, client.SetConfigMapOwnerAsync, finishing.Token);
        }
        catch (HttpOperationException ex) when (ex.Is(HttpStatusCode.UnprocessableEntity) || ex.Is(HttpStatusCode.BadRequest) || ex.Is(HttpStatusCode.Forbidden))
        {
            // Its pod would wait for them until its deadline: the task fails, saying what Kubernetes
            // refused, and its Job is ended as the attempt's tombstone (as JobTracker.FailStuck does).
            var (failure, message) = ex.Is(HttpStatusCode.Forbidden)
                ? ("Forbidden", $"The worker may not create the task's Secret or ConfigMap in namespace '{@namespace}': {ex.Describe()}")
                : ("InvalidJob", $"Kubernetes refused the task's Secret or ConfigMap: {ex.Describe()}");
            await EndRefusedJobAsync(@namespace, job.Metadata.Name, failure, message, cancellationToken);
            await FailAsync(task, failure, message, cancellationToken);
            return;
        }

        if (adopted)
            LogAdopted(logger, command.TaskName, command.Attempt, @namespace, job.Metadata.Name);
        else
            LogCreated(logger, command.TaskName, command.Attempt, @namespace, job.Metadata.Name);
    }

    // One per task: Debug (a busy worker creates hundreds a second; the Job itself is the record).
    // Adopting a Job means a command was delivered again, which an operator may want to see.
    [LoggerMessage(Level = LogLevel.Debug, Message = "Task {Task} attempt {Attempt}: Job {Namespace}/{Job} created")]
    private static partial void LogCreated(ILogger logger, string task, int attempt, string @namespace, string job);

    [LoggerMessage(Level = LogLevel.Information, Message = "Task {Task} attempt {Attempt}: Job {Namespace}/{Job} adopted (the command was delivered again)")]
    private static partial void LogAdopted(ILogger logger, string task, int attempt, string @namespace, string job);

    [LoggerMessage(Level = LogLevel.Information, Message = "Task {Task} attempt {Attempt}: the command was delivered again after the attempt's outcome was reported; Job {Namespace}/{Job} is left ended")]
    private static partial void LogAlreadyDecided(ILogger logger, string task, int attempt, string @namespace, string job);

    /// <inheritdoc />
    public async Task CancelAsync(CancelTask command, CancellationToken cancellationToken)
    {
        var reason = string.IsNullOrWhiteSpace(command.Reason) ? "The task was cancelled." : $"Cancelled: {command.Reason}";
        cancellations.Record(command.TaskId, command.Attempt, reason);
        var @namespace = command.Target.Namespace ?? DefaultNamespace;
        var name = TaskLabels.JobNameFor(command.Kind, command.TaskId, command.Attempt, command.TaskName);
        try
        {
            await client.DeleteJobAsync(@namespace, name, cancellationToken);
            logger.LogInformation("Deleted Job {Namespace}/{Job}: {Reason}", @namespace, name, reason);
        }
        catch (HttpOperationException ex) when (ex.Is(HttpStatusCode.NotFound))
        {
            // Not created yet (the cancellation is remembered and keeps it from being created) or
            // already gone, with its Secret and ConfigMap, which it owns. A worker of a version that
            // created them before the Job may have left them without one: they are deleted.
            await DeleteQuietlyAsync(@namespace, name, "Secret", client.DeleteSecretAsync, cancellationToken);
            await DeleteQuietlyAsync(@namespace, name, "ConfigMap", client.DeleteConfigMapAsync, cancellationToken);
        }
    }

    bool IsManaged(string @namespace) => options.Namespaces.Count == 0 ? @namespace == DefaultNamespace : options.Namespaces.Contains(@namespace);

    // Created owned by the Job; one that exists already (an earlier delivery of the command, maybe by a
    // worker of a version that created it before the Job) is made the Job's. A Role that may not patch
    // it (or, with the OwnerReferencesPermissionEnforcement admission plugin, delete it) does not fail
    // a task that can run: the earlier delivery of this version made it the Job's already.
    async Task CreateOwnedAsync<T>(
        T owned,
        V1OwnerReference owner,
        Func<T, CancellationToken, Task> create,
        Func<string, string, V1OwnerReference, CancellationToken, Task> makeOwned,
        CancellationToken cancellationToken)
        where T : IKubernetesObject<V1ObjectMeta>
    {
        owned.Metadata.OwnerReferences = [owner];
        try
        {
            await create(owned, cancellationToken);
        }
        catch (HttpOperationException ex) when (ex.Is(HttpStatusCode.Conflict))
        {
            try
            {
                await makeOwned(owned.Metadata.NamespaceProperty, owned.Metadata.Name, owner, cancellationToken);
            }
            catch (HttpOperationException denied) when (denied.Is(HttpStatusCode.Forbidden))
            {
                logger.LogWarning(
                    "Could not make the task's existing {Kind} {Namespace}/{Name} its Job's (patch of ownerReferences): {Error}; if a worker of an earlier version created it, it stays when the Job goes",
                    owned.Kind, owned.Metadata.NamespaceProperty, owned.Metadata.Name, denied.Describe());
            }
        }
    }

    // Ended but kept, with the outcome, so that a command delivered again does not run the attempt
    // again. Never deleted instead: the tracker would report a deleted Job Cancelled, contradicting
    // the Failed reported here; a Job that could not be ended waits for its Secret until its deadline
    // fails it (a Failed under the same MessageId, which changes nothing).
    async Task EndRefusedJobAsync(string @namespace, string name, string reason, string message, CancellationToken cancellationToken)
    {
        try
        {
            await client.EndJobAsync(@namespace, name, TaskLabels.Tombstone(reason, message), cancellationToken);
        }
        catch (HttpOperationException ex) when (ex.Is(HttpStatusCode.NotFound))
        {
            // Deleted meanwhile (a cancellation).
        }
        catch (HttpOperationException ex)
        {
            logger.LogWarning("Could not end the task's Job {Namespace}/{Name}: {Error}", @namespace, name, ex.Describe());
        }
    }

    // Each object on its own: one that cannot be deleted does not keep the next from it. Gone already is done.
    async Task DeleteQuietlyAsync(string @namespace, string name, string kind, Func<string, string, CancellationToken, Task> delete, CancellationToken cancellationToken)
    {
        try
        {
            await delete(@namespace, name, cancellationToken);
        }
        catch (HttpOperationException ex) when (ex.Is(HttpStatusCode.NotFound))
        {
            // Already gone.
        }
        catch (HttpOperationException ex)
        {
            logger.LogWarning("Could not delete the task's {Kind} {Namespace}/{Name}: {Error}", kind, @namespace, name, ex.Describe());
        }
    }

    Task ReportCancelledAsync(TaskRef task, string reason, CancellationToken cancellationToken) =>
        reporter.ReportAsync(task, new TaskReport(TaskState.Cancelled) { FinishedAt = DateTimeOffset.UtcNow, Reason = "Cancelled", Message = reason }, cancellationToken);

    Task FailAsync(TaskRef task, string reason, string message, CancellationToken cancellationToken)
    {
        logger.LogWarning("Task {Task} attempt {Attempt} cannot run: {Message}", task.TaskName, task.Attempt, message);
        return reporter.ReportAsync(task, new TaskReport(TaskState.Failed) { FinishedAt = DateTimeOffset.UtcNow, Reason = reason, Message = message }, cancellationToken);
    }
}
