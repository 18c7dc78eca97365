using System.Net;
using System.Text.Json;
using MFlow.IntegrationTests.Support;
using MFlow.Notifications;
using static MFlow.IntegrationTests.Notifications.Subscriptions;
using static MFlow.IntegrationTests.Support.PipelineDocuments;

namespace MFlow.IntegrationTests.Notifications;

[Collection(SharedClusterCollection.Name)]
public sealed class When_run_events_are_delivered_to_webhooks(ServiceCluster cluster)
{
    [Fact]
    public async Task Should_deliver_a_failed_run_with_everything_a_receiver_needs_signed_with_the_subscription_secret()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var pipeline = UniquePipeline("notify-fails");
        const string Secret = "whsec-0123456789abcdef";
        var subscriptionId = await CreateAsync(cluster.Api, new
        {
            name = pipeline,
            url = receiver.Url("/hooks/mflow"),
            secret = Secret,
            pipelines = new[] { pipeline },
            events = new[] { NotificationEvents.RunFailed, NotificationEvents.TaskFailed },
        });

        var key = "release-" + Guid.NewGuid().ToString("N");
        var runId = await cluster.SubmitAsync(RunRequest(
            Document(pipeline, Stage("test", ShellTask("unit-tests", "build", "echo 'ok - parse'; echo 'not ok - plan: expected 2, got 3' >&2; exit 3"))),
            "push to main", "release-bot", key), "application/json");
        var run = await cluster.WaitUntilFinalAsync(runId);
        Assert.Equal("Failed", run.State);

        var received = await receiver.WaitForAsync("/hooks/mflow", 2, DeliveryTimeout);
        var failed = Assert.Single(received, r => r.Header("X-MFlow-Event") == NotificationEvents.RunFailed);

        // The receiver checks the signature as GitHub's and Stripe's receivers do: over "<timestamp>.<body>".
        var timestamp = failed.Header("X-MFlow-Timestamp")!;
        Assert.Equal(ExpectedSignature(Secret, timestamp, failed.Body), failed.Header("X-MFlow-Signature-256"));
        Assert.InRange(long.Parse(timestamp), DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeSeconds(), DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        Assert.StartsWith("application/json", failed.Header("Content-Type"));

        using var body = JsonDocument.Parse(failed.Body);
        var root = body.RootElement;
        Assert.Equal("run.failed", root.GetProperty("event").GetString());
        Assert.Equal(failed.Header("X-MFlow-Delivery"), root.GetProperty("deliveryId").GetString());
        var summary = root.GetProperty("run");
        Assert.Equal(runId, summary.GetProperty("id").GetGuid());
        Assert.Equal(pipeline, summary.GetProperty("pipelineName").GetString());
        Assert.Equal("Failed", summary.GetProperty("state").GetString());
        Assert.Equal(key, summary.GetProperty("idempotencyKey").GetString());
        Assert.Equal("push to main", summary.GetProperty("trigger").GetString());
        Assert.Equal("release-bot", summary.GetProperty("triggeredBy").GetString());
        Assert.True(summary.GetProperty("durationSeconds").GetDouble() > 0);
        Assert.Equal($"{ServiceCluster.PublicUrl}api/v1/runs/{runId}", summary.GetProperty("url").GetString());
        var task = Assert.Single(summary.GetProperty("failedTasks").EnumerateArray());
        Assert.Equal("unit-tests", task.GetProperty("name").GetString());
        Assert.Equal(3, task.GetProperty("exitCode").GetInt32());
        Assert.Equal("Error", task.GetProperty("reason").GetString());
        Assert.Contains("not ok - plan: expected 2, got 3", task.GetProperty("logTail").GetString());

        // The task's own failure came too, once, under its own delivery id.
        var taskFailed = Assert.Single(received, r => r.Header("X-MFlow-Event") == NotificationEvents.TaskFailed);
        Assert.NotEqual(failed.Header("X-MFlow-Delivery"), taskFailed.Header("X-MFlow-Delivery"));
        Assert.Contains("\"name\":\"unit-tests\"", taskFailed.Body);

        var log = await WaitForLogAsync(cluster.Api, subscriptionId, d => d.Event == "run.failed" && d.Status == DeliveryStatus.Delivered, "the failure is logged as delivered");
        var logged = Assert.Single(log, d => d.Event == "run.failed");
        Assert.Equal(runId, logged.RunId);
        Assert.Equal(200, Assert.Single(logged.AttemptLog).StatusCode);
    }

    [Fact]
    public async Task Should_try_again_until_a_receiver_that_answered_500_twice_takes_the_event_on_the_third_try()
    {
        await using var receiver = await WebhookReceiver.StartAsync((_, number, _) => Task.FromResult(number <= 2 ? (500, "{\"error\":\"busy\"}") : (200, "ok")));
        var pipeline = UniquePipeline("notify-retry");
        var subscriptionId = await CreateAsync(cluster.Api, new
        {
            name = pipeline, url = receiver.Url("/flaky"), secret = "s3cret-retry", pipelines = new[] { pipeline }, events = new[] { NotificationEvents.RunSucceeded },
        });

        var runId = await cluster.SubmitAsync(Document(pipeline, Stage("build", ShellTask("compile", "build", "echo compiled"))), "application/json");
        Assert.Equal("Succeeded", (await cluster.WaitUntilFinalAsync(runId)).State);

        var received = await receiver.WaitForAsync("/flaky", 3, DeliveryTimeout);
        // The same delivery each time: a receiver recognises the duplicates by X-MFlow-Delivery.
        Assert.Single(received.Select(r => r.Header("X-MFlow-Delivery")).Distinct());
        Assert.All(received, r => Assert.Equal(ExpectedSignature("s3cret-retry", r.Header("X-MFlow-Timestamp")!, r.Body), r.Header("X-MFlow-Signature-256")));

        var log = await WaitForLogAsync(cluster.Api, subscriptionId, d => d.Status == DeliveryStatus.Delivered, "the delivery is logged as delivered");
        var delivery = Assert.Single(log);
        Assert.Equal(3, delivery.Attempts);
        Assert.Equal([(1, 500), (2, 500), (3, 200)], delivery.AttemptLog.Select(a => (a.Attempt, a.StatusCode ?? 0)));
        Assert.Contains("HTTP 500", delivery.AttemptLog[0].Error);
        Assert.Null(delivery.AttemptLog[2].Error);
        Assert.True(delivery.AttemptLog[1].At > delivery.AttemptLog[0].At && delivery.AttemptLog[2].At > delivery.AttemptLog[1].At);
        Assert.Equal(3, receiver.Received("/flaky").Count);
    }

    [Fact]
    public async Task Should_not_hold_one_subscription_back_behind_a_receiver_that_never_answers()
    {
        await using var receiver = await WebhookReceiver.StartAsync(async (request, _, aborted) =>
        {
            if (request.Path == "/silent")
                await Task.Delay(Timeout.Infinite, aborted);
            return (200, "ok");
        });
        var pipeline = UniquePipeline("notify-slow");
        var silent = await CreateAsync(cluster.Api, new
        {
            name = pipeline + "-silent", url = receiver.Url("/silent"), secret = "s1", pipelines = new[] { pipeline }, events = new[] { NotificationEvents.RunSucceeded },
        });
        await CreateAsync(cluster.Api, new
        {
            name = pipeline + "-prompt", url = receiver.Url("/prompt"), secret = "s2", pipelines = new[] { pipeline }, events = new[] { NotificationEvents.RunSucceeded },
        });

        var runId = await cluster.SubmitAsync(Document(pipeline, Stage("build", ShellTask("compile", "build", "echo compiled"))), "application/json");
        Assert.Equal("Succeeded", (await cluster.WaitUntilFinalAsync(runId)).State);

        var prompt = Assert.Single(await receiver.WaitForAsync("/prompt", 1, DeliveryTimeout));
        var firstSilent = (await receiver.WaitForAsync("/silent", 1, DeliveryTimeout))[0];
        // Both tries start together; the prompt receiver's event never waits for the silent one's time-out.
        var timeout = TimeSpan.Parse(ServiceCluster.NotifierSettings["MFlow__Notifications__RequestTimeout"]!);
        Assert.True(prompt.ReceivedAt < firstSilent.ReceivedAt + timeout,
            $"the prompt receiver got the event at {prompt.ReceivedAt:O}, the silent one's first try began at {firstSilent.ReceivedAt:O}");

        var log = await WaitForLogAsync(cluster.Api, silent, d => d.AttemptLog.Count >= 1, "the silent receiver's first try is logged");
        var attempt = Assert.Single(log).AttemptLog[0];
        Assert.Null(attempt.StatusCode);
        Assert.Contains("No answer within 3 s", attempt.Error);
    }

    [Fact]
    public async Task Should_still_deliver_what_was_in_hand_when_the_notifier_was_killed()
    {
        await using var receiver = await WebhookReceiver.StartAsync((_, number, _) => Task.FromResult(number == 1 ? (503, "restarting") : (200, "ok")));
        var pipeline = UniquePipeline("notify-crash");
        var subscriptionId = await CreateAsync(cluster.Api, new
        {
            name = pipeline, url = receiver.Url("/survivor"), secret = "s4", pipelines = new[] { pipeline }, events = new[] { NotificationEvents.RunSucceeded },
        });

        var runId = await cluster.SubmitAsync(Document(pipeline, Stage("build", ShellTask("compile", "build", "echo compiled"))), "application/json");
        Assert.Equal("Succeeded", (await cluster.WaitUntilFinalAsync(runId)).State);

        // Killed right after its first try reached the receiver: whether or not that try was
        // recorded, the delivery is in the database, and the restarted notifier finishes it.
        await receiver.WaitForAsync("/survivor", 1, DeliveryTimeout);
        cluster.Notifier.Kill();
        await cluster.Notifier.RestartAsync();
        await cluster.Notifier.WaitUntilHealthyAsync(ServiceCluster.StartTimeout);

        var log = await WaitForLogAsync(cluster.Api, subscriptionId, d => d.Status == DeliveryStatus.Delivered, "the delivery is finished by the restarted notifier");
        var delivery = Assert.Single(log);
        Assert.Equal(200, delivery.AttemptLog[^1].StatusCode);
        var received = receiver.Received("/survivor");
        Assert.True(received.Count >= 2);
        Assert.All(received, r => Assert.Equal(delivery.Id.ToString(), r.Header("X-MFlow-Delivery")));
    }

    [Fact]
    public async Task Should_send_a_test_event_on_request_and_log_it()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var name = UniquePipeline("notify-test");
        var subscriptionId = await CreateAsync(cluster.Api, new { name, url = receiver.Url("/test-me"), secret = "s3", events = new[] { NotificationEvents.RunFailed } });

        using var response = await cluster.Api.PostAsync($"/api/v1/subscriptions/{subscriptionId}/test", null);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var deliveryId = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("deliveryId").GetGuid();

        var request = Assert.Single(await receiver.WaitForAsync("/test-me", 1, DeliveryTimeout));
        Assert.Equal("test", request.Header("X-MFlow-Event"));
        Assert.Equal(deliveryId.ToString(), request.Header("X-MFlow-Delivery"));
        Assert.Contains(name, request.Body);
        var log = await WaitForLogAsync(cluster.Api, subscriptionId, d => d.Id == deliveryId && d.Status == DeliveryStatus.Delivered, "the test event is logged");
        Assert.Equal(200, Assert.Single(log).AttemptLog.Single().StatusCode);
    }
}
