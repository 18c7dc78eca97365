using System.Net;
using System.Text.Json;
using MFlow.IntegrationTests.Control;
using MFlow.IntegrationTests.Definitions;
using MFlow.IntegrationTests.Support;
using MFlow.Kubernetes.Fake;
using MFlow.Testing;

namespace MFlow.IntegrationTests.Events;

/// <summary>
/// Issue 14, acceptance 3: GET /api/v1/runs/{id}/events on two scheduler replicas (PostgreSQL's
/// notifications wake them, RabbitMQ carries the run): a client that disconnects mid-run and
/// reconnects to the other replica with Last-Event-ID gets every later change exactly once.
/// </summary>
[Collection(RunControlCollection.Name)]
public sealed class When_a_client_follows_a_runs_events(RunControlCluster cluster)
{
    static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    static string Pipeline(string name) => $$"""
        name: {{name}}
        stages:
          - name: compile
            tasks:
              - { name: {{name}}-a, kind: build, container: { image: "alpine:3.20", command: ["true"] } }
          - name: test
            tasks:
              - { name: {{name}}-b, kind: build, container: { image: "alpine:3.20", command: ["true"] } }
              - { name: {{name}}-c, kind: build, container: { image: "alpine:3.20", command: ["true"] } }
          - name: ship
            tasks:
              - { name: {{name}}-d, kind: deploy, container: { image: "alpine:3.20", command: ["true"] } }
        """;

    [Fact]
    public async Task Should_receive_every_change_after_its_last_event_id_exactly_once_from_the_other_replica()
    {
        const string name = "sse-resume";
        foreach (var task in new[] { "a", "b", "c", "d" })
            cluster.Script($"{name}-{task}", new PodScript(CompletionDelay: TimeSpan.FromSeconds(1)));
        var runId = await cluster.SubmitAsync(Pipeline(name));

        // First connection, to replica 0: the snapshot, then changes until the first stage completed.
        long snapshotId;
        List<ReceivedRunEvent> beforeDisconnect;
        await using (var first = await RunEventClient.OpenAsync(cluster.Viewer, runId))
        {
            var snapshot = await first.ReadUntilAsync(_ => true, Timeout);
            Assert.NotNull(snapshot);
            Assert.Equal("snapshot", snapshot.Type);
            Assert.Equal(runId.ToString(), snapshot.Text("id"));
            Assert.Equal(name, snapshot.Text("pipeline"));
            snapshotId = snapshot.Id;
            Assert.NotNull(await first.ReadUntilAsync(e => e.Type == "stage", Timeout));
            beforeDisconnect = first.Received.Skip(1).ToList();
        }

        var lastSeen = beforeDisconnect[^1].Id;
        // Changes happen while nobody listens: the second stage completes.
        await cluster.WaitForRunAsync(runId, run => run.Stages[1].State == "Succeeded", "past its second stage");

        // Reconnect to replica 1 with the last id seen: the rest of the run, then the server ends the stream.
        await using var second = await RunEventClient.OpenAsync(cluster.AdminOnEach[1], runId, lastSeen);
        var afterReconnect = await second.ReadToEndAsync(Timeout);
        Assert.True(second.Ended);

        // The whole journal, read once the run ended: what the two connections got is exactly its changes after the snapshot.
        await using var replay = await RunEventClient.OpenAsync(cluster.Viewer, runId, lastEventId: 0);
        var journal = await replay.ReadToEndAsync(Timeout);
        Assert.Equal(Enumerable.Range(1, journal.Count).Select(i => (long)i), journal.Select(e => e.Id));
        Assert.Equal(
            journal.Where(e => e.Id > snapshotId).Select(e => e.ToString()),
            beforeDisconnect.Concat(afterReconnect).Select(e => e.ToString()));
        Assert.Equal(lastSeen + 1, afterReconnect[0].Id);
        Assert.Contains(afterReconnect, e => e.Type == "task");

        // What the changes say: every task succeeded in its stage, each stage completed once, in order, then the run.
        foreach (var (task, stage) in new[] { ("a", "compile"), ("b", "test"), ("c", "test"), ("d", "ship") })
        {
            var succeeded = Assert.Single(journal, e => e.Type == "task" && e.Text("task") == $"{name}-{task}" && e.Text("state") == "Succeeded");
            Assert.Equal((stage, "1", runId.ToString()), (succeeded.Text("stage"), succeeded.Text("attempt"), succeeded.Text("runId")));
            Assert.NotNull(succeeded.Text("finishedAt"));
        }

        Assert.Equal(["compile", "test", "ship"], journal.Where(e => e.Type == "stage").Select(e => e.Text("stage")));
        Assert.All(journal.Where(e => e.Type == "stage"), e => Assert.Equal("True", e.Text("succeeded")));
        Assert.Equal(["Running", "Succeeded"], journal.Where(e => e.Type == "run").Select(e => e.Text("state")));
        Assert.Equal(("run", "Succeeded"), (journal[^1].Type, journal[^1].Text("state")));
    }

    [Fact]
    public async Task Should_send_an_ended_runs_snapshot_and_end_the_stream()
    {
        const string name = "sse-ended";
        foreach (var task in new[] { "a", "b", "c", "d" })
            cluster.Script($"{name}-{task}", PodScript.Succeed());
        var runId = await cluster.SubmitAsync(Pipeline(name));
        var ended = await cluster.WaitUntilFinalAsync(runId);

        await using var stream = await RunEventClient.OpenAsync(cluster.AdminOnEach[1], runId);
        var events = await stream.ReadToEndAsync(Timeout);

        var snapshot = Assert.Single(events);
        Assert.Equal("snapshot", snapshot.Type);
        Assert.Equal("Succeeded", snapshot.Text("state"));
        // The snapshot is the run's view, as GET /api/v1/runs/{id} answers it.
        using var view = await cluster.Viewer.GetAsync($"/api/v1/runs/{runId}");
        Assert.Equal(JsonDocument.Parse(await view.Content.ReadAsStringAsync()).RootElement.GetRawText(), snapshot.Data.GetRawText());
        Assert.Equal(ended.Stages.Count, snapshot.Data.GetProperty("stages").GetArrayLength());

        // Resuming after the terminal event: nothing more, the stream ends at once.
        await using var after = await RunEventClient.OpenAsync(cluster.Viewer, runId, snapshot.Id);
        Assert.Empty(await after.ReadToEndAsync(Timeout));
    }

    [Fact]
    public async Task Should_announce_a_gate_and_its_approval()
    {
        const string name = "sse-gate";
        cluster.Script($"{name}-build", PodScript.Succeed());
        cluster.Script($"{name}-prod", PodScript.Succeed());
        var runId = await cluster.SubmitAsync($$"""
            name: {{name}}
            stages:
              - name: build
                tasks:
                  - { name: {{name}}-build, kind: build, container: { image: "alpine:3.20", command: ["true"] } }
              - name: production
                approval: { message: Ship it? }
                tasks:
                  - { name: {{name}}-prod, kind: deploy, container: { image: "alpine:3.20", command: ["true"] } }
            """);

        await using var stream = await RunEventClient.OpenAsync(cluster.Viewer, runId, lastEventId: 0);
        Assert.NotNull(await stream.ReadUntilAsync(e => e.Type == "run" && e.Text("state") == "WaitingForApproval", Timeout));
        using (var approved = await RunControlCluster.DecideAsync(cluster.Approver, runId, "approve", "go"))
            Assert.Equal(HttpStatusCode.OK, approved.StatusCode);
        var events = await stream.ReadToEndAsync(Timeout);

        Assert.Equal(["Running", "WaitingForApproval", "Running", "Succeeded"], events.Where(e => e.Type == "run").Select(e => e.Text("state")));
    }

    [Fact]
    public async Task Should_answer_problems_for_an_unknown_run_and_a_bad_last_event_id()
    {
        using (var unknown = await cluster.Viewer.GetAsync($"/api/v1/runs/{Guid.NewGuid()}/events"))
        {
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
            Assert.Equal("No such run.", (await ApiProblem.ReadAsync(unknown)).Title);
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/runs/{Guid.NewGuid()}/events");
        request.Headers.Add("Last-Event-ID", "-1");
        using var bad = await cluster.Viewer.SendAsync(request);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("Last-Event-ID", await bad.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Should_tell_a_key_its_name_and_role()
    {
        using var me = await cluster.Viewer.GetAsync("/api/v1/me");
        Assert.Equal(HttpStatusCode.OK, me.StatusCode);
        Assert.Equal("""{"name":"ctl-viewer","role":"viewer"}""", await me.Content.ReadAsStringAsync());
    }
}
