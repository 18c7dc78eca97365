using MFlow.Scheduler.Api;
using MFlow.Scheduler.Pipelines;
using MFlow.Scheduler.Runs;

namespace MFlow.Scheduler.Triggers;

/// <summary>
/// <c>POST /api/v1/triggers/{name}</c>: a GitHub or GitLab webhook delivery. Verified against the
/// trigger's secret before its body is parsed (401, nothing started, nothing recorded; the same
/// answer for a trigger that does not exist); a push of a
/// matching branch or tag of the trigger's repository starts its pipeline once per delivery id;
/// anything else is answered 202 with the reason, and recorded in the trigger's deliveries.
/// </summary>
public static class GitWebhookEndpoint
{
    /// <summary>Handles one delivery.</summary>
    public static async Task<IResult> ReceiveAsync(string name, HttpRequest http, TriggerStore store, RunSubmitter submitter, ILogger<GitWebhookReceiver> logger, CancellationToken ct)
    {
        var body = await RequestBody.ReadBytesAsync(http, ct);
        var trigger = await store.GetAsync(name, ct);
        var secret = trigger is null ? null : await store.SecretAsync(name, ct);
        if (trigger is null || secret is null)
        {
            // Answered as a known trigger's wrong signature, so that names cannot be found by trying
            // them (the rate limit bounds the tries); the reason goes to the log only.
            _ = GitWebhook.Unverified(GitProviders.GitHub, http.Headers, body, UnknownTriggerSecret);
            logger.LogWarning("Refused a delivery from {Remote} to trigger {Trigger}: there is no such trigger", http.HttpContext.Connection.RemoteIpAddress, TextRules.Shown(name));
            return Unauthorized(http.Headers);
        }

        if (GitWebhook.Unverified(trigger.Provider, http.Headers, body, secret) is { } unverified)
        {
            logger.LogWarning("Trigger {Trigger}: refused a delivery from {Remote}: {Reason}", trigger.Name, http.HttpContext.Connection.RemoteIpAddress, unverified);
            return Unauthorized(http.Headers);
        }

        var eventHeader = GitWebhook.EventHeader(trigger.Provider);
        var deliveryHeader = GitWebhook.DeliveryHeader(trigger.Provider);
        var gitEvent = http.Headers[eventHeader].FirstOrDefault();
        var deliveryId = http.Headers[deliveryHeader].FirstOrDefault();
        if (string.IsNullOrEmpty(gitEvent) || TextRules.CheckLine(gitEvent, 100) is not null)
            return Invalid(eventHeader, $"The delivery needs an {eventHeader} header naming its event.");
        if (GitWebhook.IsPing(trigger.Provider, gitEvent))
            return Results.Ok(new WebhookAnswer("pong", $"Trigger '{trigger.Name}' is ready for push events of {trigger.Repository}.", null, null));
        if (!GitWebhook.IsDeliveryId(deliveryId))
            return Invalid(deliveryHeader, $"The delivery needs an {deliveryHeader} header with its id (a UUID), which makes a redelivery start nothing new; got '{TextRules.Shown(deliveryId)}'.");

        // A redelivery gets the first answer, except after a failure (the pipeline could not start):
        // the Git server's "Redeliver", once the pipeline is published or fixed, tries again.
        if (await store.FindDeliveryAsync(trigger.Name, deliveryId!, ct) is { Outcome: not TriggerOutcomes.Failed } earlier)
            return Answer(earlier, created: false);

        var received = DateTimeOffset.UtcNow;
        TriggerDelivery Ignored(string reason, GitPush? push = null) =>
            new(deliveryId!, received, gitEvent, push?.Ref, push?.Commit, TriggerOutcomes.Ignored, reason, null);

        if (!GitWebhook.IsPush(trigger.Provider, gitEvent))
            return await RecordAsync(Ignored($"The {gitEvent} event starts nothing: a trigger takes push and tag events."));

        GitPush push;
        IReadOnlyDictionary<string, string> values;
        try
        {
            push = GitWebhook.ReadPush(trigger.Provider, body);
            if (Skipped(trigger, push) is { } reason)
                return await RecordAsync(Ignored(reason, push));
            values = GitWebhook.RunParams(trigger, push);
        }
        catch (PipelineValidationException ex)
        {
            return Problems.Invalid(ex, "The delivery is not a push event MFlow can read.");
        }

        var kind = push.Branch is null ? "tag" : "push";
        var request = new RunRequest
        {
            Pipeline = new PipelineDocument(),
            Params = trigger.Params,
            OfferedParams = values,
            IdempotencyKey = $"trigger:{trigger.Name}:{deliveryId}",
            TriggeredBy = push.Pusher is { } pusher && TextRules.CheckLine(pusher, TextRules.MaxNameLength) is null ? pusher : $"trigger:{trigger.Name}",
            Trigger = TextRules.Shown($"{trigger.Provider} {kind} of {push.Branch ?? push.Tag} in {push.Repository}", 190),
        };
        try
        {
            var run = await submitter.SubmitStoredAsync(trigger.Pipeline, request, ct);
            logger.LogInformation("Trigger {Trigger}: {Ref} at {Commit} → run {RunId}", trigger.Name, push.Ref, push.Commit, run.RunId);
            return await RecordAsync(new TriggerDelivery(deliveryId!, received, gitEvent, push.Ref, push.Commit, TriggerOutcomes.Started, null, run.RunId), run.Created);
        }
        catch (PipelineValidationException ex)
        {
            // The pipeline, not the delivery, is at fault: recorded, so that the operator sees why in the deliveries.
            logger.LogWarning("Trigger {Trigger}: pipeline {Pipeline} did not start for {Ref}: {Reason}", trigger.Name, trigger.Pipeline, push.Ref, ex.Message);
            await store.RecordAsync(trigger.Name, new TriggerDelivery(deliveryId!, received, gitEvent, push.Ref, push.Commit, TriggerOutcomes.Failed, TextRules.Shown(ex.Message, 2000), null), ct);
            return Problems.Invalid(ex, $"Pipeline {trigger.Pipeline} could not start.");
        }
        catch (Control.ConcurrencyLimitException ex)
        {
            logger.LogWarning("Trigger {Trigger}: pipeline {Pipeline} did not start for {Ref}: {Reason}", trigger.Name, trigger.Pipeline, push.Ref, ex.Message);
            await store.RecordAsync(trigger.Name, new TriggerDelivery(deliveryId!, received, gitEvent, push.Ref, push.Commit, "rejected", TextRules.Shown(ex.Message, 2000), null), ct);
            return Problems.Conflict($"Pipeline {trigger.Pipeline}'s concurrency group is full.", ex.Message);
        }

        async Task<IResult> RecordAsync(TriggerDelivery delivery, bool created = true)
        {
            await store.RecordAsync(trigger.Name, delivery, ct);
            return Answer(delivery, created);
        }
    }

    // Why a verified push starts nothing, or null when it starts the trigger's pipeline.
    static string? Skipped(GitTrigger trigger, GitPush push)
    {
        if (!string.Equals(push.Repository, trigger.Repository, StringComparison.OrdinalIgnoreCase))
            return $"The push is to {TextRules.Shown(push.Repository, 300)}, not to this trigger's repository {trigger.Repository}.";
        if (!trigger.Enabled)
            return $"Trigger '{trigger.Name}' is disabled.";
        if (push.Deleted)
            return $"The push deleted {TextRules.Shown(push.Ref, 300)}.";
        if (push.Branch is { } branch)
        {
            return RefPatterns.FirstMatch(trigger.Branches, branch) is null
                ? $"Branch '{TextRules.Shown(branch, 300)}' matches none of the trigger's branch patterns ({Listed(trigger.Branches)})."
                : null;
        }

        if (push.Tag is { } tag)
        {
            return RefPatterns.FirstMatch(trigger.Tags, tag) is null
                ? $"Tag '{TextRules.Shown(tag, 300)}' matches none of the trigger's tag patterns ({Listed(trigger.Tags)})."
                : null;
        }

        return $"The ref {TextRules.Shown(push.Ref, 300)} is neither a branch nor a tag.";
    }

    static string Listed(IReadOnlyList<string> patterns) => patterns.Count == 0 ? "none" : string.Join(", ", patterns);

    static IResult Answer(TriggerDelivery delivery, bool created) => delivery.Outcome switch
    {
        TriggerOutcomes.Started when created => Results.Created($"/api/v1/runs/{delivery.RunId}", WebhookAnswer.From(delivery)),
        TriggerOutcomes.Started => Results.Ok(WebhookAnswer.From(delivery)),
        TriggerOutcomes.Failed => Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "The pipeline could not start.", detail: delivery.Reason),
        _ => Results.Accepted(value: WebhookAnswer.From(delivery)),
    };

    // Whatever a refused delivery's trigger (unknown, or known with another secret or provider), one
    // answer, which depends on the request alone.
    static IResult Unauthorized(IHeaderDictionary headers) =>
        Results.Problem(
            statusCode: StatusCodes.Status401Unauthorized,
            title: "The delivery is not signed with this trigger's secret.",
            detail: headers.ContainsKey("X-Hub-Signature-256") || headers.ContainsKey("X-Gitlab-Token")
                ? "Its signature (X-Hub-Signature-256) or token (X-Gitlab-Token) does not match the secret of a trigger of this name: check the webhook's URL and secret."
                : "It carries no X-Hub-Signature-256 (GitHub) or X-Gitlab-Token (GitLab) header: set the webhook's secret to the trigger's.");

    // Stands in for an unknown trigger's secret, so that its refusal costs what a known one's does.
    static readonly string UnknownTriggerSecret = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

    static IResult Invalid(string field, string message) =>
        Results.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] }, title: "The delivery is not valid.", type: "https://mflow.dev/problems/invalid");
}

/// <summary>What a webhook delivery is answered with.</summary>
/// <param name="Outcome">started, ignored or pong.</param>
/// <param name="Reason">Why nothing started.</param>
/// <param name="RunId">The run started.</param>
/// <param name="Location">The run's address.</param>
public sealed record WebhookAnswer(string Outcome, string? Reason, Guid? RunId, string? Location)
{
    /// <summary>The answer for a recorded delivery.</summary>
    public static WebhookAnswer From(TriggerDelivery delivery) =>
        new(delivery.Outcome, delivery.Reason, delivery.RunId, delivery.RunId is { } id ? $"/api/v1/runs/{id}" : null);
}

/// <summary>The logging category of webhook deliveries.</summary>
public sealed class GitWebhookReceiver;
