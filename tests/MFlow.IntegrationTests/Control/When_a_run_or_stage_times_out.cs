using MFlow.IntegrationTests.Kubernetes;
using MFlow.IntegrationTests.Support;
using MFlow.Kubernetes.Fake;

namespace MFlow.IntegrationTests.Control;

/// <summary>Issue 13, acceptance 5 (timeouts): an expired run or stage timeout cancels its Jobs and fails the run with reason Timeout.</summary>
[Collection(RunControlCollection.Name)]
public sealed class When_a_run_or_stage_times_out(RunControlCluster cluster)
{
    // The timeouts leave the task's Job time to be created on a slow, loaded machine: the tests check
    // that the timeout deletes it.
    const string Ns = KubernetesCluster.Namespace;

    [Fact]
    public async Task Should_cancel_the_job_and_fail_the_run_with_reason_timeout_when_the_run_times_out()
    {
        cluster.Script("rt-stuck", null); // never ends by itself
        var runId = await cluster.SubmitAsync("""
            name: run-timeout
            timeout: 10s
            stages:
              - name: only
                tasks:
                  - name: rt-stuck
                    kind: build
                    container: { image: "alpine:3.20", command: [sleep, infinity] }
            """);
        var job = await cluster.JobOfAsync((await cluster.GetRunAsync(runId)).Task("rt-stuck").Id);

        await cluster.Kubernetes.WaitForDeletionAsync("jobs", Ns, job, KubernetesCluster.RunTimeout);
        var run = await cluster.WaitUntilFinalAsync(runId);
        Assert.True(run.State == "Failed", Runs.Summary(run));
        Assert.Equal("Timeout", run.Reason);
        Assert.Contains("timeout (10s) expired", run.CancelReason);
        Assert.Equal("Cancelled", run.Task("rt-stuck").State);
        var failed = await cluster.WaitForMessagesAsync<Contracts.PipelineRunFailed>(m => m.RunId == runId, "the run's failure announced");
        Assert.Equal("Timeout", failed[0].Reason);
    }

    [Fact]
    public async Task Should_time_out_only_the_stage_that_overran_its_timeout()
    {
        cluster.Script("st-quick", PodScript.Succeed());
        cluster.Script("st-stuck", null);
        var runId = await cluster.SubmitAsync("""
            name: stage-timeout
            stages:
              - name: quick
                timeout: 1m
                tasks:
                  - name: st-quick
                    kind: build
                    container: { image: "alpine:3.20", command: ["true"] }
              - name: slow
                timeout: 10s
                tasks:
                  - name: st-stuck
                    kind: deploy
                    container: { image: "alpine:3.20", command: [sleep, infinity] }
            """);
        var job = await cluster.JobOfAsync((await cluster.GetRunAsync(runId)).Task("st-stuck").Id);

        await cluster.Kubernetes.WaitForDeletionAsync("jobs", Ns, job, KubernetesCluster.RunTimeout);
        var run = await cluster.WaitUntilFinalAsync(runId);
        Assert.True(run.State == "Failed", Runs.Summary(run));
        Assert.Equal("Timeout", run.Reason);
        Assert.Contains("Stage 'slow' timed out after 10s", run.CancelReason);
        Assert.Equal("Succeeded", run.Task("st-quick").State);
        Assert.Equal("Cancelled", run.Task("st-stuck").State);
    }
}
