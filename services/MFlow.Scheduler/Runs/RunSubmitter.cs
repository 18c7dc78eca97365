using System.Diagnostics;
using MFlow.Scheduler.Clusters;
using MFlow.Scheduler.Definitions;
using MFlow.Scheduler.Pipelines;
using MFlow.ServiceDefaults;
using MFlow.ServiceDefaults.Telemetry;

namespace MFlow.Scheduler.Runs;

/// <summary>
/// Accepts a run: validates it (the pipeline, its jobs, every param), stores its plan, and dispatches
/// its first stage through the outbox, all or nothing. The HTTP API and the StartPipeline consumer
/// both come here.
/// </summary>
public sealed class RunSubmitter(
    DefinitionStore definitions,
    JobResolver jobs,
    ClusterStore clusters,
    RunDispatcher dispatcher,
    RunAdmission admission,
    ILogger<RunSubmitter> logger)
{
    /// <summary>Submits a run of an inline pipeline; an idempotency key seen before returns the run it started.</summary>
    /// <exception cref="PipelineValidationException">Something is invalid; nothing was stored.</exception>
    /// <exception cref="Control.ConcurrencyLimitException">Its concurrency group is full and refuses more; nothing was stored.</exception>
    public async Task<SubmittedRun> SubmitAsync(RunRequest request, CancellationToken cancellationToken)
    {
        PipelineValidator.Validate(request.Pipeline);
        PipelineValidator.ValidateRunValues(request.Params, request.TriggeredBy, request.Trigger, request.IdempotencyKey);
        PipelineValidator.ValidateRunParams(request.OfferedParams, "trigger");

        var runId = request.IdempotencyKey is { Length: > 0 } key
            ? DeterministicGuid.Create(DeterministicGuid.RunNamespace, key)
            : Guid.CreateVersion7();
        var resolvedJobs = await jobs.ResolveAsync(request.Pipeline, cancellationToken);
        var plan = await clusters.WithIdsAsync(ids => RunPlanner.Plan(runId, request, resolvedJobs, ids, dispatcher.Protect), cancellationToken);
        if (request.PipelineReference is { } reference)
            plan = plan with { PipelineName = reference };
        if (!await admission.TryAdmitAsync(runId, request, plan, rerunOf: null, cancellationToken))
        {
            logger.LogInformation("Run {RunId} already exists for idempotency key; not started again", runId);
            return new SubmittedRun(runId, Created: false);
        }

        // The request's (or StartPipeline's) span is the root of the run's trace: tagged, it is found by run id.
        Activity.Current?.SetTag(MFlowTelemetry.RunIdTag, runId).SetTag(MFlowTelemetry.PipelineTag, plan.PipelineName);
        logger.LogInformation("Run {RunId} of pipeline {Pipeline} accepted: {Stages} stages, {Tasks} tasks",
            runId, plan.PipelineName, plan.Stages.Count, plan.Stages.Sum(s => s.Tasks.Count));
        return new SubmittedRun(runId, Created: true);
    }

    /// <summary>Submits a run of a stored pipeline: its latest published version, or an exact published one.</summary>
    /// <exception cref="PipelineValidationException">The pipeline cannot run, or something in it is invalid.</exception>
    public async Task<SubmittedRun> SubmitStoredAsync(string reference, RunRequest values, CancellationToken cancellationToken)
    {
        if (!DefinitionName.TryParse(reference, out var name))
            throw PipelineValidationException.For("pipeline", $"'{reference}' is not a pipeline's unique name: <name>@<namespace>.<domain>[:<version>].");
        var stored = await definitions.FindAsync(DefinitionTypes.Pipeline, name, cancellationToken);
        var problem = stored switch
        {
            null => name.IsLatest ? $"Pipeline {name.Unversioned} has no published version." : $"There is no pipeline {name}.",
            { Stage: DefinitionStages.Draft } => $"Pipeline {stored.Name} is a draft; publish it before running it.",
            { Stage: DefinitionStages.Deprecated } => $"Pipeline {stored.Name} is deprecated: new runs cannot use it.",
            _ => null,
        };
        if (problem is not null)
            throw PipelineValidationException.For("pipeline", problem);

        return await SubmitAsync(values with { Pipeline = DefinitionParsers.Pipeline(stored!), PipelineReference = stored!.Name.ToString() }, cancellationToken);
    }
}

/// <summary>The run a submission maps to, and whether this submission created it.</summary>
public sealed record SubmittedRun(Guid RunId, bool Created);
