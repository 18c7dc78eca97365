using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using MFlow.IntegrationTests.Support;
using MFlow.Scheduler.Api;
using MFlow.Testing;
using RabbitMQ.Client;
using static MFlow.IntegrationTests.Support.PipelineDocuments;

namespace MFlow.IntegrationTests.Messaging;

/// <summary>
/// Issue 12: an upstream system with a bare AMQP 0-9-1 client (RabbitMQ.Client here, no MassTransit
/// types) sends StartPipeline and CancelPipelineRun as plain camelCase JSON to the documented
/// exchanges (docs/messages.md).
/// </summary>
[Collection(SharedClusterCollection.Name)]
public sealed class When_a_plain_amqp_client_sends_commands(ServiceCluster cluster)
{
    private const string StartExchange = "mflow-start-pipeline";
    private const string CancelExchange = "mflow-cancel-pipeline-run";
    private static readonly JsonSerializerOptions _json = new(JsonSerializerDefaults.Web);

    [Fact]
    public async Task Should_start_one_run_per_message_id_that_succeeds()
    {
        var pipeline = "plain-" + Guid.NewGuid().ToString("N")[..8];
        var body = JsonSerializer.Serialize(new
        {
            pipeline = Document(pipeline, Stage("greet", ShellTask("hello", "build", "echo \"hello $WHO\"", new Dictionary<string, string> { ["WHO"] = "plain json" }))),
            triggeredBy = "node-service",
            trigger = "release portal",
        }, _json);
        var messageId = "order-" + Guid.NewGuid().ToString("N");

        // The same message twice, as an at-least-once publisher would after a lost confirm.
        await PublishAsync(StartExchange, body, messageId);
        await PublishAsync(StartExchange, body, messageId);

        var run = await WaitForOneRunAsync(pipeline);
        Assert.Equal($"message:{messageId}", run.IdempotencyKey);
        Assert.Equal("node-service", run.TriggeredBy);
        var final = await cluster.WaitUntilFinalAsync(run.Id);
        Assert.True(final.State == "Succeeded", Runs.Summary(final));
        await WaitUntilConsumedAsync(StartExchange);
        Assert.Single(await RunsOfAsync(pipeline));
        await AssertNoneFaultedAsync(pipeline);
    }

    [Fact]
    public async Task Should_take_the_idempotency_key_over_the_message_id()
    {
        var pipeline = "plain-keyed-" + Guid.NewGuid().ToString("N")[..8];
        var key = "release-" + Guid.NewGuid().ToString("N");
        var document = Document(pipeline, Stage("greet", ShellTask("hello", "deploy", "echo keyed")));

        // Two sends with different message ids but one key: one run.
        await PublishAsync(StartExchange, JsonSerializer.Serialize(new { idempotencyKey = key, pipeline = document }, _json), Guid.NewGuid().ToString());
        await PublishAsync(StartExchange, JsonSerializer.Serialize(new { idempotencyKey = key, pipeline = document }, _json), messageId: null);

        var run = await WaitForOneRunAsync(pipeline);
        Assert.Equal(key, run.IdempotencyKey);
        Assert.True((await cluster.WaitUntilFinalAsync(run.Id)).State == "Succeeded");
        await WaitUntilConsumedAsync(StartExchange);
        Assert.Single(await RunsOfAsync(pipeline));
        await AssertNoneFaultedAsync(pipeline);
    }

    [Fact]
    public async Task Should_fault_garbage_with_its_reason_and_start_the_next_good_message()
    {
        var marker = Guid.NewGuid().ToString("N");
        await PublishAsync(StartExchange, $"{{ not json {marker}", Guid.NewGuid().ToString());
        await PublishAsync(StartExchange, $$"""{"triggeredBy":"{{marker}}","pipelineNmae":"typo"}""", Guid.NewGuid().ToString());
        await PublishAsync(StartExchange, $$"""{"pipeline":"name: bad name {{marker}}\nstages: []"}""", Guid.NewGuid().ToString());

        var faulted = await Eventually.UntilAsync(
            async () => (await cluster.VirtualHost.GetMessagesAsync(StartExchange + "_error", max: 1000))
                .Where(m => m.BodyText.Contains(marker, StringComparison.Ordinal)).ToList(),
            messages => messages.Count == 3,
            TimeSpan.FromSeconds(30),
            "the three bad messages are in mflow-start-pipeline_error");

        var unreadable = Assert.Single(faulted, m => m.BodyText.Contains("not json", StringComparison.Ordinal));
        Assert.Contains("is an invalid start of a property name", unreadable.Header("MT-Fault-Message"), StringComparison.Ordinal);
        Assert.Equal("application/json", unreadable.ContentType);
        var unknown = Assert.Single(faulted, m => m.BodyText.Contains("pipelineNmae", StringComparison.Ordinal));
        Assert.Contains("StartPipeline needs a stored pipeline's name (pipelineName) or an inline pipeline document (pipeline)", unknown.Header("MT-Fault-Message"), StringComparison.Ordinal);
        var invalid = Assert.Single(faulted, m => m.BodyText.Contains("bad name", StringComparison.Ordinal));
        Assert.StartsWith("Invalid pipeline: ", invalid.Header("MT-Fault-Message"), StringComparison.Ordinal);
        Assert.Contains("stages: A pipeline needs", invalid.Header("MT-Fault-Message"), StringComparison.Ordinal);

        // The endpoint kept consuming: a good message after the garbage starts a run.
        var pipeline = "after-garbage-" + marker[..8];
        await PublishAsync(StartExchange, JsonSerializer.Serialize(new { pipeline = Document(pipeline, Stage("s", ShellTask("t", "vm", "echo fine"))) }, _json), Guid.NewGuid().ToString());
        var run = await WaitForOneRunAsync(pipeline);
        Assert.True((await cluster.WaitUntilFinalAsync(run.Id)).State == "Succeeded");
        Assert.False(cluster.Scheduler.HasExited, cluster.Scheduler.OutputTail());
    }

    [Fact]
    public async Task Should_cancel_a_run_from_plain_json_and_fault_one_without_its_run_id()
    {
        var pipeline = "plain-cancel-" + Guid.NewGuid().ToString("N")[..8];
        var runId = await cluster.SubmitAsync(Document(pipeline, Stage("wait", ShellTask("long-wait", "build", "echo waiting; exec sleep 300"))), "application/json");
        await Eventually.UntilAsync(
            async () => Runs.Describe(await cluster.GetRunAsync(runId)),
            run => run.View.Task("long-wait").State == "Running",
            ServiceCluster.RunTimeout,
            "the task runs");

        var marker = Guid.NewGuid().ToString("N");
        await PublishAsync(CancelExchange, $$"""{"reason":"no run {{marker}}"}""", Guid.NewGuid().ToString());
        await PublishAsync(CancelExchange, JsonSerializer.Serialize(new { runId, reason = "superseded by 1.4.1", requestedBy = "release-portal" }, _json), Guid.NewGuid().ToString());

        var final = await cluster.WaitUntilFinalAsync(runId);
        Assert.True(final.State == "Cancelled", Runs.Summary(final));
        Assert.Equal("superseded by 1.4.1", final.CancelReason);
        var faulted = await Eventually.UntilAsync(
            async () => (await cluster.VirtualHost.GetMessagesAsync(CancelExchange + "_error", max: 1000))
                .Where(m => m.BodyText.Contains(marker, StringComparison.Ordinal)).ToList(),
            messages => messages.Count == 1,
            TimeSpan.FromSeconds(30),
            "the cancel without a run id is in mflow-cancel-pipeline-run_error");
        Assert.Contains("runId is missing", faulted[0].Header("MT-Fault-Message"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Should_route_each_exchange_to_its_own_queue_and_the_envelope_form_once()
    {
        Assert.Equal([StartExchange], await cluster.VirtualHost.DestinationsOfAsync(StartExchange));
        Assert.Equal([CancelExchange], await cluster.VirtualHost.DestinationsOfAsync(CancelExchange));
        // A command published with MassTransit reaches the service's own queue only (and the tests' spy), so it is consumed once.
        Assert.Equal(["mflow-aggregator"], await ServiceDestinationsOfAsync("MFlow.Contracts:CancelPipelineRun"));
        Assert.Equal(["mflow-scheduler"], await ServiceDestinationsOfAsync("MFlow.Contracts:StartPipeline"));
    }

    private async Task<List<string>> ServiceDestinationsOfAsync(string exchange) =>
        (await cluster.VirtualHost.DestinationsOfAsync(exchange)).Where(d => !d.StartsWith("mflow-tests-", StringComparison.Ordinal)).ToList();

    // What any AMQP client does: a persistent message with a content type and a message id, to an
    // exchange it did not declare, confirmed by the broker.
    private async Task PublishAsync(string exchange, string json, string? messageId)
    {
        var factory = new ConnectionFactory { Uri = cluster.VirtualHost.Url };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        var properties = new BasicProperties { ContentType = "application/json", Persistent = true, MessageId = messageId };
        await channel.BasicPublishAsync(exchange, routingKey: "", mandatory: true, properties, Encoding.UTF8.GetBytes(json));
    }

    // A message whose handling failed for a passing reason is held (unacknowledged) through its
    // retries, about 30 s in all, before it is faulted: the wait outlasts them, and on a timeout the
    // scheduler's own account of the message is shown.
    private async Task WaitUntilConsumedAsync(string queue)
    {
        try
        {
            await Eventually.UntilAsync(
                async () => (await cluster.VirtualHost.ListQueuesAsync()).Single(q => q.Name == queue),
                q => q.MessagesReady == 0 && q.MessagesUnacknowledged == 0,
                ServiceCluster.RunTimeout,
                $"{queue} has no message left to consume");
        }
        catch (TimeoutException exception)
        {
            throw new TimeoutException($"{exception.Message}{Environment.NewLine}--- the scheduler's last output ---{Environment.NewLine}{cluster.Scheduler.OutputTail(80)}", exception);
        }
    }

    // The duplicate was consumed as a duplicate (one run, no error), not faulted after its retries.
    private async Task AssertNoneFaultedAsync(string pipeline)
    {
        // MassTransit declares the _error queue with the first fault.
        if (!(await cluster.VirtualHost.ListQueuesAsync()).Any(q => q.Name == StartExchange + "_error"))
            return;
        var faulted = (await cluster.VirtualHost.GetMessagesAsync(StartExchange + "_error", max: 1000))
            .Where(m => m.BodyText.Contains(pipeline, StringComparison.Ordinal))
            .ToList();
        Assert.True(faulted.Count == 0, $"{faulted.Count} of this test's messages were faulted: {string.Join("; ", faulted.Select(m => m.Header("MT-Fault-Message")))}");
    }

    private async Task<List<RunSummaryView>> RunsOfAsync(string pipeline)
    {
        using var response = await cluster.Api.GetAsync("/api/v1/runs?limit=500");
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<List<RunSummaryView>>(_json))!.Where(r => r.Pipeline == pipeline).ToList();
    }

    private async Task<RunSummaryView> WaitForOneRunAsync(string pipeline) =>
        (await Eventually.UntilAsync(() => RunsOfAsync(pipeline), runs => runs.Count > 0, ServiceCluster.RunTimeout, $"a run of {pipeline} is listed"))[0];
}
