using System.Net;
using MFlow.IntegrationTests.Kubernetes;
using MFlow.IntegrationTests.Support;
using MFlow.Kubernetes.Fake;
using MFlow.Testing;

namespace MFlow.IntegrationTests.Control;

/// <summary>
/// Issue 13, acceptance 1: a stage's approval gate holds the run in WaitingForApproval, with no Job
/// of that stage, until an allowed key (on either scheduler replica) or the gate's timeout decides.
/// </summary>
[Collection(RunControlCollection.Name)]
public sealed class When_a_stage_waits_for_approval(RunControlCluster cluster)
{
    static string Pipeline(string name, string approval) => $$"""
        name: {{name}}
        stages:
          - name: build
            tasks:
              - name: {{name}}-build
                kind: build
                container: { image: "alpine:3.20", command: ["true"] }
          - name: production
            timeout: 1m
            approval: {{approval}}
            tasks:
              - name: {{name}}-prod
                kind: deploy
                container: { image: "alpine:3.20", command: ["true"] }
        """;

    async Task<Guid> WaitingRunAsync(string name, string approval)
    {
        cluster.Script($"{name}-build", PodScript.Succeed());
        cluster.Script($"{name}-prod", PodScript.Succeed());
        var runId = await cluster.SubmitAsync(Pipeline(name, approval));
        await cluster.WaitForRunAsync(runId, r => r.State == "WaitingForApproval", "waiting for approval");
        return runId;
    }

    [Fact]
    public async Task Should_dispatch_the_stage_once_a_named_approver_approves_and_record_the_decision()
    {
        var runId = await WaitingRunAsync("appr-ok", $"{{ keys: [{RunControlCluster.ReleaseManager}], message: Ship it to production? }}");
        var waiting = await cluster.GetRunAsync(runId);
        Assert.Equal("Succeeded", waiting.Task("appr-ok-build").State);
        Assert.Equal("Waiting", waiting.Task("appr-ok-prod").State);
        var gate = Assert.Single(waiting.Approvals!);
        Assert.Equal(("Waiting", "Ship it to production?"), (gate.State, gate.Message));
        Assert.DoesNotContain(cluster.Kubernetes.List("jobs", KubernetesCluster.Namespace), job => job.ToJsonString().Contains("appr-ok-prod"));
        var announced = await cluster.WaitForMessagesAsync<Contracts.PipelineRunWaitingForApproval>(m => m.RunId == runId, "the run announced it waits");
        Assert.Equal("production", announced[0].StageName);

        // A viewer may not decide at all; an operator this gate does not name may not either, and is told why.
        using (var viewer = await RunControlCluster.DecideAsync(cluster.Viewer, runId, "approve", "looks fine"))
            Assert.Equal(HttpStatusCode.Forbidden, viewer.StatusCode);
        using (var other = await RunControlCluster.DecideAsync(cluster.Operator, runId, "approve", "looks fine"))
        {
            Assert.Equal(HttpStatusCode.Forbidden, other.StatusCode);
            Assert.Contains($"'{RunControlCluster.ReleaseManager}'", await other.Content.ReadAsStringAsync());
        }

        using (var approved = await RunControlCluster.DecideAsync(cluster.Approver, runId, "approve", "CAB-1234 approved"))
            Assert.True(approved.StatusCode == HttpStatusCode.OK, await approved.Content.ReadAsStringAsync());

        var run = await cluster.WaitUntilFinalAsync(runId);
        Assert.True(run.State == "Succeeded", Runs.Summary(run));
        var decided = Assert.Single(run.Approvals!);
        Assert.Equal(("Approved", RunControlCluster.ReleaseManager, "CAB-1234 approved"), (decided.State, decided.DecidedBy, decided.Comment));
        Assert.NotNull(decided.DecidedAt);

        // Decided once: a second decision finds nothing waiting.
        using var again = await RunControlCluster.DecideAsync(cluster.Approver, runId, "reject", "too late");
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
    }

    [Fact]
    public async Task Should_end_the_run_rejected_without_dispatching_the_stage_when_rejected()
    {
        var runId = await WaitingRunAsync("appr-no", "{ role: operator }");

        using (var rejected = await RunControlCluster.DecideAsync(cluster.Operator, runId, "reject", "not during the freeze"))
            Assert.True(rejected.StatusCode == HttpStatusCode.OK, await rejected.Content.ReadAsStringAsync());

        var run = await cluster.WaitUntilFinalAsync(runId);
        Assert.True(run.State == "Rejected", Runs.Summary(run));
        Assert.Equal("Rejected", run.Reason);
        var decided = Assert.Single(run.Approvals!);
        Assert.Equal(("Rejected", "ctl-operator", "not during the freeze"), (decided.State, decided.DecidedBy, decided.Comment));
        Assert.Equal("Waiting", run.Task("appr-no-prod").State);
        Assert.DoesNotContain(cluster.Kubernetes.List("jobs", KubernetesCluster.Namespace), job => job.ToJsonString().Contains("appr-no-prod"));
        var failed = await cluster.WaitForMessagesAsync<Contracts.PipelineRunFailed>(m => m.RunId == runId, "the run's end announced");
        Assert.Equal("Rejected", failed[0].Reason);
    }

    [Theory]
    [InlineData("approve", "Succeeded", "Approved")]
    [InlineData("reject", "Rejected", "Rejected")]
    public async Task Should_let_the_timeout_decide_when_nobody_does(string onTimeout, string runState, string decision)
    {
        var name = $"appr-to-{onTimeout}";
        cluster.Script($"{name}-build", PodScript.Succeed());
        cluster.Script($"{name}-prod", PodScript.Succeed());
        // Not WaitingRunAsync: on a slow machine the 2 s gate can expire between two polls of the run,
        // so the wait is shown by the event the run published, which stays.
        var runId = await cluster.SubmitAsync(Pipeline(name, $"{{ keys: [nobody], timeout: 2s, onTimeout: {onTimeout} }}"));
        await cluster.WaitForMessagesAsync<Contracts.PipelineRunWaitingForApproval>(m => m.RunId == runId, "the run announced it waits");

        var run = await cluster.WaitUntilFinalAsync(runId);
        Assert.True(run.State == runState, Runs.Summary(run));
        var decided = Assert.Single(run.Approvals!);
        Assert.Equal((decision, "timeout"), (decided.State, decided.DecidedBy));
        Assert.Equal(run.State == "Succeeded" ? "Succeeded" : "Waiting", run.Task($"{name}-prod").State);
    }

    [Fact]
    public async Task Should_cancel_a_waiting_run_and_refuse_a_later_approval()
    {
        var runId = await WaitingRunAsync("appr-cancel", "{ role: operator }");

        await cluster.CancelAsync(runId);

        var run = await cluster.WaitUntilFinalAsync(runId);
        Assert.True(run.State == "Cancelled", Runs.Summary(run));
        await Eventually.UntilAsync(async () => (await cluster.GetRunAsync(runId)).Approvals![0].State == "Closed", TimeSpan.FromSeconds(30), "the gate closed");
        using var late = await RunControlCluster.DecideAsync(cluster.Operator, runId, "approve", "sorry, was at lunch");
        Assert.Equal(HttpStatusCode.Conflict, late.StatusCode);
        Assert.DoesNotContain(cluster.Kubernetes.List("jobs", KubernetesCluster.Namespace), job => job.ToJsonString().Contains("appr-cancel-prod"));
    }

    [Fact]
    public async Task Should_answer_409_for_a_run_that_does_not_wait()
    {
        cluster.Script("no-gate", PodScript.Succeed());
        var runId = await cluster.SubmitAsync("""
            name: no-gate
            stages:
              - name: only
                tasks:
                  - name: no-gate
                    kind: build
                    container: { image: "alpine:3.20", command: ["true"] }
            """);
        await cluster.WaitUntilFinalAsync(runId);

        using var response = await RunControlCluster.DecideAsync(cluster.Operator, runId, "approve", "why not");
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Contains("not waiting for an approval", await response.Content.ReadAsStringAsync());
    }
}
