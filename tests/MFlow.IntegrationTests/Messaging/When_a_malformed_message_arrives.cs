using System.Net;
using System.Text;
using System.Text.Json;
using MFlow.IntegrationTests.Support;
using MFlow.Testing;
using static MFlow.IntegrationTests.Support.PipelineDocuments;

namespace MFlow.IntegrationTests.Messaging;

[Collection(SharedClusterCollection.Name)]
public sealed class When_a_malformed_message_arrives(ServiceCluster cluster)
{
    private static readonly TimeSpan _faultTimeout = TimeSpan.FromSeconds(30);

    /// <summary>By queue and a message type it consumes: the service consuming it, that message without its ids (or required fields), and the reason expected.</summary>
    private static readonly Dictionary<(string Queue, string MessageType), (string Service, string Message, string Reason)> _cases = new()
    {
        [("mflow-scheduler", "StartPipeline")] = ("scheduler", """{"triggeredBy":"upstream"}""", "StartPipeline needs"),
        [("mflow-scheduler", "StageCompleted")] = ("scheduler", """{"stageIndex":0,"succeeded":true}""", "runId is missing"),
        [("mflow-aggregator", "TaskUpdated")] = ("aggregator", """{"taskName":"compile","state":"Succeeded","sequence":13}""", "runId is missing; taskId is missing"),
        [("mflow-aggregator", "PipelineRunStarted")] = ("aggregator", """{"pipelineName":"nameless"}""", "runId is missing"),
        [("mflow-aggregator", "CancelPipelineRun")] = ("aggregator", """{"reason":"no run named"}""", "runId is missing"),
        // The plain JSON queues read the envelope too (their plain form: When_a_plain_amqp_client_sends_commands).
        [("mflow-start-pipeline", "StartPipeline")] = ("scheduler", """{"triggeredBy":"upstream"}""", "StartPipeline needs"),
        [("mflow-cancel-pipeline-run", "CancelPipelineRun")] = ("aggregator", """{"reason":"no run named"}""", "runId is missing"),
        [("mflow-build-worker", "RunBuildTask")] = ("build-worker", """{"taskName":"compile"}""", "runId is missing; taskId is missing"),
        [("mflow-deploy-worker", "RunDeployTask")] = ("deploy-worker", """{"taskName":"ship"}""", "runId is missing; taskId is missing"),
        [("mflow-vm-worker", "RunVmTask")] = ("vm-worker", """{"taskName":"provision"}""", "runId is missing; taskId is missing"),
        [("mflow-build-worker-cancel", "CancelTask")] = ("build-worker", """{"kind":"Build"}""", "runId is missing; taskId is missing"),
        [("mflow-deploy-worker-cancel", "CancelTask")] = ("deploy-worker", """{"kind":"Deploy"}""", "runId is missing; taskId is missing"),
        [("mflow-vm-worker-cancel", "CancelTask")] = ("vm-worker", """{"kind":"Vm"}""", "runId is missing; taskId is missing"),
    };

    /// <summary>Every service queue, with a message type it consumes.</summary>
    public static TheoryData<string, string> Cases
    {
        get
        {
            var data = new TheoryData<string, string>();
            foreach (var (queue, messageType) in _cases.Keys)
                data.Add(queue, messageType);
            return data;
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Should_fault_it_to_the_error_queue_with_the_reason_and_keep_working(string queue, string messageType)
    {
        var (service, message, reason) = _cases[(queue, messageType)];
        var marker = Guid.NewGuid();
        var envelope = $$"""
            {"messageId":"{{marker}}","messageType":["urn:message:MFlow.Contracts:{{messageType}}"],"message":{{message}},"sentTime":"{{DateTimeOffset.UtcNow:O}}"}
            """;
        await cluster.VirtualHost.PublishRawAsync(queue, Encoding.UTF8.GetBytes($"\u0001not json at all {marker} {{{{"), "application/vnd.masstransit+json");
        await cluster.VirtualHost.PublishRawAsync(queue, Encoding.UTF8.GetBytes(envelope), "application/vnd.masstransit+json");

        var faulted = await Eventually.UntilAsync(
            async () => (await cluster.VirtualHost.GetMessagesAsync(queue + "_error", max: 1000))
                .Where(m => m.BodyText.Contains(marker.ToString(), StringComparison.Ordinal))
                .ToList(),
            messages => messages.Count == 2,
            _faultTimeout,
            $"both malformed messages are in {queue}_error");

        var unreadable = Assert.Single(faulted, m => m.BodyText.Contains("not json at all", StringComparison.Ordinal));
        Assert.Equal("fault", unreadable.Header("MT-Reason"));
        Assert.Contains("Json", unreadable.Header("MT-Fault-ExceptionType"), StringComparison.Ordinal);
        Assert.Contains("is an invalid start of a value", unreadable.Header("MT-Fault-Message"), StringComparison.Ordinal);
        var incomplete = Assert.Single(faulted, m => m.BodyText.Contains(messageType, StringComparison.Ordinal));
        Assert.Equal("fault", incomplete.Header("MT-Reason"));
        Assert.Contains(reason, incomplete.Header("MT-Fault-Message"), StringComparison.Ordinal);
        Assert.EndsWith("/" + queue, incomplete.Header("MT-Fault-InputAddress"), StringComparison.Ordinal);

        // The service took both in its stride: still up, still ready, still doing its job.
        var process = cluster.Service(service);
        Assert.False(process.HasExited, $"{service} exited:\n{process.OutputTail()}");
        await process.WaitUntilHealthyAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(0u, await cluster.VirtualHost.QueueDepthAsync(queue));
        if (queue.EndsWith("-cancel", StringComparison.Ordinal))
            await ShouldStillCancelATaskAsync(service.Replace("-worker", "", StringComparison.Ordinal));
        else
            await ShouldStillRunAPipelineAsync();
    }

    private async Task ShouldStillRunAPipelineAsync()
    {
        var runId = await cluster.SubmitAsync(Document("after-malformed",
            Stage("build", ShellTask("compile", "build", "printf 'IMAGE=app:1\\0' >> \"$_OUTPUT_FILE\"")),
            Stage("deliver",
                ShellTask("deploy", "deploy", "echo deployed"),
                ShellTask("configure", "vm", "echo configured"))), "application/json");
        var run = await cluster.WaitUntilFinalAsync(runId);
        Assert.True(run.State == "Succeeded", Runs.Summary(run));
        Assert.Equal("app:1", run.Task("compile").Outputs["IMAGE"]);
    }

    private async Task ShouldStillCancelATaskAsync(string kind)
    {
        var runId = await cluster.SubmitAsync(Document("cancelled-after-malformed",
            Stage("wait", ShellTask("long-wait", kind, "echo waiting; exec sleep 300"))), "application/json");
        await Eventually.UntilAsync(
            async () => Runs.Describe(await cluster.GetRunAsync(runId)),
            run => run.View.Task("long-wait").State == "Running",
            ServiceCluster.RunTimeout,
            "the task runs");

        using var response = await cluster.Api.PostAsync($"/api/v1/runs/{runId}/cancel?reason=not+needed", content: null);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);

        var run = await cluster.WaitUntilFinalAsync(runId);
        Assert.True(run.State == "Cancelled", Runs.Summary(run));
        Assert.Equal("not needed", run.CancelReason);
        Assert.Equal("Cancelled", run.Task("long-wait").State);
    }
}
