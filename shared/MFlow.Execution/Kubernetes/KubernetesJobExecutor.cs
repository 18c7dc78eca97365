using System.Net;
using k8s.Autorest;
using k8s.Models;
using MFlow.Contracts;
using MFlow.Execution.Reporting;
using MFlow.Kubernetes;
using Microsoft.Extensions.Logging;

namespace MFlow.Execution.Kubernetes;

/// <summary>
/// The <c>kubernetes</c> executor for one job kind: creates the task's Secret and ConfigMap, then its
/// Job, then makes them the Job's (ownerReference), and returns; its <see cref="JobTracker"/> reports
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

        // The task's own Secret and ConfigMap first: its pod names them, and a pod that finds them
        // missing waits in CreateContainerConfigError (or ContainerCreating), which the tracker cannot
        // tell from a Secret the user named and forgot. They become the Job's (ownerReference) once it exists.
        V1Job job;
        var adopted = false;
        try
        {
            if (manifests.Secret is { } secret)
                await CreateOrAdoptAsync(ct => client.CreateSecretAsync(secret, ct), cancellationToken);
            if (manifests.ConfigMap is { } configMap)
                await CreateOrAdoptAsync(ct => client.CreateConfigMapAsync(configMap, ct), cancellationToken);
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
            await DeleteOwnedAsync(manifests, cancellationToken);
            await FailAsync(task, "InvalidJob", $"Kubernetes refused the task's Job, Secret or ConfigMap: {ex.Describe()}", cancellationToken);
            return;
        }
        catch (HttpOperationException ex) when (ex.Is(HttpStatusCode.Forbidden))
        {
            await DeleteOwnedAsync(manifests, cancellationToken);
            await FailAsync(task, "Forbidden", $"The worker may not create the task's Job, Secret or ConfigMap in namespace '{@namespace}': {ex.Describe()}", cancellationToken);
            return;
        }
        finally
        {
            slot?.Dispose();
        }

        // The Secret and ConfigMap become the Job's, also for an adopted Job (the first delivery may
        // have died before this): the Job's TTL then deletes them with it.
        var owner = TaskManifestFactory.OwnerReferenceTo(job);
        try
        {
            if (manifests.Secret is not null)
                await client.SetSecretOwnerAsync(@namespace, manifests.Job.Metadata.Name, owner, cancellationToken);
            if (manifests.ConfigMap is not null)
                await client.SetConfigMapOwnerAsync(@namespace, manifests.Job.Metadata.Name, owner, cancellationToken);
        }
        catch (HttpOperationException ex) when (ex.Is(HttpStatusCode.Forbidden) || ex.Is(HttpStatusCode.UnprocessableEntity))
        {
            // A Role without patch (an upgrade that kept the old Role): the task's credentials would be
            // left behind by every task. The Job is stopped and the task fails, saying what is missing.
            await DeleteQuietlyAsync(@namespace, job.Metadata.Name, "Job", client.DeleteJobAsync, cancellationToken);
            await DeleteOwnedAsync(manifests, cancellationToken);
            await FailAsync(task, "Forbidden", $"The worker could not make the task's Secret or ConfigMap its Job's (patch of ownerReferences) in namespace '{@namespace}': {ex.Describe()}", cancellationToken);
            return;
        }

        // A Job whose outcome the tracker already decided (see JobTracker.FailStuck) is its attempt's
        // tombstone: a command delivered again after that must not run the attempt a second time.
        if (adopted && TaskStatusMapper.DecidedOutcome(job) is not null)
        {
            LogAlreadyDecided(logger, command.TaskName, command.Attempt, @namespace, job.Metadata.Name);
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
            // Not created yet (the cancellation is remembered) or already gone. Its Secret and
            // ConfigMap, created first, may exist without an owner (a worker that died between):
            // the remembered cancellation keeps them from being made again.
            await DeleteQuietlyAsync(@namespace, name, "Secret", client.DeleteSecretAsync, cancellationToken);
            await DeleteQuietlyAsync(@namespace, name, "ConfigMap", client.DeleteConfigMapAsync, cancellationToken);
        }
    }

    bool IsManaged(string @namespace) => options.Namespaces.Count == 0 ? @namespace == DefaultNamespace : options.Namespaces.Contains(@namespace);

    static async Task CreateOrAdoptAsync(Func<CancellationToken, Task> create, CancellationToken cancellationToken)
    {
        try
        {
            await create(cancellationToken);
        }
        catch (HttpOperationException ex) when (ex.Is(HttpStatusCode.Conflict))
        {
            // Created by an earlier delivery of the command (names are deterministic).
        }
    }

    // The Job was refused: its Secret and ConfigMap, which no Job owns yet, would stay forever.
    async Task DeleteOwnedAsync(TaskManifests manifests, CancellationToken cancellationToken)
    {
        var (@namespace, name) = (manifests.Job.Metadata.NamespaceProperty, manifests.Job.Metadata.Name);
        if (manifests.Secret is not null)
            await DeleteQuietlyAsync(@namespace, name, "Secret", client.DeleteSecretAsync, cancellationToken);
        if (manifests.ConfigMap is not null)
            await DeleteQuietlyAsync(@namespace, name, "ConfigMap", client.DeleteConfigMapAsync, cancellationToken);
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
