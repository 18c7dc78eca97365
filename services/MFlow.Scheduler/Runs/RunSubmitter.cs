using MFlow.Persistence;
using MFlow.Scheduler.Pipelines;
using MFlow.ServiceDefaults;

namespace MFlow.Scheduler.Runs;

/// <summary>
/// Accepts a run: validates it, stores its plan, and dispatches its first stage through the outbox,
/// all or nothing. The HTTP API and the StartPipeline consumer both come here.
/// </summary>
public sealed class RunSubmitter(Database database, RunStore store, Outbox.Outbox outbox, ILogger<RunSubmitter> logger)
{
    /// <summary>Submits a run; an idempotency key seen before returns the run it started.</summary>
    /// <exception cref="PipelineValidationException">The pipeline or a param is invalid; nothing was stored.</exception>
    public async Task<SubmittedRun> SubmitAsync(RunRequest request, CancellationToken cancellationToken)
    {
        PipelineValidator.Validate(request.Pipeline);
        PipelineValidator.ValidateRunParams(request.Params);

        var runId = request.IdempotencyKey is { Length: > 0 } key
            ? DeterministicGuid.Create(DeterministicGuid.RunNamespace, key)
            : Guid.CreateVersion7();
        var plan = RunPlanner.Plan(runId, request);
        var now = DateTimeOffset.UtcNow;

        IReadOnlyList<Outbox.PendingMessage> pending;
        await using (var connection = await database.OpenAsync(cancellationToken))
        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
        {
            if (!await store.TryInsertAsync(connection, transaction, runId, request, plan, now, cancellationToken))
            {
                logger.LogInformation("Run {RunId} already exists for idempotency key; not started again", runId);
                return new SubmittedRun(runId, Created: false);
            }

            var messages = new List<object> { StageDispatcher.Started(runId, plan, request, now) };
            messages.AddRange(StageDispatcher.Commands(runId, plan, stageIndex: 0, now));
            pending = await outbox.EnqueueAsync(connection, transaction, messages, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        logger.LogInformation("Run {RunId} of pipeline {Pipeline} accepted: {Stages} stages, {Tasks} tasks",
            runId, plan.PipelineName, plan.Stages.Count, plan.Stages.Sum(s => s.Tasks.Count));
        await outbox.PublishAsync(pending, cancellationToken);
        return new SubmittedRun(runId, Created: true);
    }
}

/// <summary>The run a submission maps to, and whether this submission created it.</summary>
public sealed record SubmittedRun(Guid RunId, bool Created);
