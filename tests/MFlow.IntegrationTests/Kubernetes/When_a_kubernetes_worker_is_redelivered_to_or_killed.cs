using MFlow.Contracts;
using MFlow.IntegrationTests.Support;
using MFlow.Kubernetes.Fake;

namespace MFlow.IntegrationTests.Kubernetes;

/// <summary>
/// Issue 3, acceptance 2: a run-task command delivered twice creates one Job; a worker killed while
/// its Job runs, and restarted after the Job finished, reports the task's outcome exactly once.
/// </summary>
[Collection(KubernetesClusterCollection.Name)]
public sealed class When_a_kubernetes_worker_is_redelivered_to_or_killed(KubernetesCluster cluster)
{
    const string Ns = KubernetesCluster.Namespace;

    [Fact]
    public async Task Should_create_one_job_for_a_command_delivered_twice()
    {
        var since = DateTimeOffset.UtcNow;
        var runId = await cluster.SubmitAsync("""
            name: delivered-twice
            stages:
              - name: build
                tasks:
                  - name: twice
                    kind: build
                    container: { image: "alpine:3.20", command: [sh, -c, 'printf "RESULT=built\0" > "$_OUTPUT_FILE"'] }
            """);
        var taskId = (await cluster.GetRunAsync(runId)).Task("twice").Id;
        var job = await cluster.JobOfAsync(taskId);

        // The broker delivers the very same command again (a lost ack, a consumer restart).
        var command = Assert.Single(await cluster.WaitForMessagesAsync<RunBuildTask>(c => c.TaskId == taskId, "the scheduler sent the command"));
        await (await cluster.BusAsync()).Publish(command);
        var creates = await Testing.Eventually.UntilAsync(
            () => Task.FromResult(cluster.Kubernetes.Requests.Where(r => r is { Verb: "create", Resource: "jobs" } && r.Timestamp >= since).ToList()),
            creates => creates.Count >= 2, KubernetesCluster.RunTimeout, "the worker tried to create the Job a second time");
        await cluster.Kubernetes.CompletePodAsync(Ns, job, exitCode: 0, terminationMessage: "RESULT=built\0");

        var run = await cluster.WaitUntilFinalAsync(runId);
        Assert.True(run.State == "Succeeded", Runs.Summary(run));
        Assert.Equal("built", run.Task("twice").Outputs["RESULT"]);
        Assert.Equal([201, 409], creates.Select(r => r.StatusCode)); // AlreadyExists the second time: adopted, not duplicated
        Assert.Single(cluster.Kubernetes.List("jobs", Ns), j => KubernetesCluster.Label(j, "mflow.dev/task-id") == taskId.ToString());
        Assert.Single(cluster.Kubernetes.GetJobPods(Ns, job));
        Assert.Single(await cluster.UpdatesOfAsync(taskId), u => u.State == TaskState.Succeeded);
    }

    [Fact]
    public async Task Should_report_the_outcome_once_when_the_worker_is_killed_while_its_job_runs()
    {
        var runId = await cluster.SubmitAsync("""
            name: survives-a-crash
            stages:
              - name: build
                tasks:
                  - name: survivor
                    kind: build
                    container: { image: "alpine:3.20", command: [sh, -c, 'sleep 60; printf "RESULT=42\0" > "$_OUTPUT_FILE"'] }
            """);
        var taskId = (await cluster.GetRunAsync(runId)).Task("survivor").Id;
        var job = await cluster.JobOfAsync(taskId);
        await cluster.Kubernetes.SetPodRunningAsync(Ns, job);
        await cluster.WaitForRunAsync(runId, r => r.Task("survivor").State == "Running", "running its task");

        cluster.BuildWorker.Kill();                       // SIGKILL: no goodbye, nothing flushed
        await cluster.Kubernetes.CompletePodAsync(Ns, job, exitCode: 0, log: "done\n", terminationMessage: "RESULT=42\0");
        await cluster.BuildWorker.RestartAsync();
        await cluster.BuildWorker.WaitUntilHealthyAsync(KubernetesCluster.StartTimeout);

        var run = await cluster.WaitUntilFinalAsync(runId);
        Assert.True(run.State == "Succeeded", Runs.Summary(run) + "\n" + cluster.DescribeServices());
        Assert.Equal("42", run.Task("survivor").Outputs["RESULT"]);

        // A fence: one more build task through the restarted worker. Its tracker handles what it sees
        // in order, so once the fence is reported, a second report of the survivor is not coming.
        cluster.Script("fence-after-crash", PodScript.Succeed());
        var fence = await cluster.SubmitAsync("""
            name: fence-after-crash
            stages:
              - name: build
                tasks:
                  - name: fence-after-crash
                    kind: build
                    container: { image: "alpine:3.20", command: ["true"] }
            """);
        Assert.Equal("Succeeded", (await cluster.WaitUntilFinalAsync(fence)).State);

        var terminal = (await cluster.UpdatesOfAsync(taskId)).Where(u => u.State is TaskState.Succeeded or TaskState.Failed or TaskState.Cancelled).ToList();
        Assert.True(terminal.Count == 1, $"{terminal.Count} terminal updates for the task: {string.Join(", ", terminal.Select(u => $"{u.State} by {u.Worker}"))}");
        Assert.Equal(TaskState.Succeeded, terminal[0].State);
        Assert.Equal("42", terminal[0].Outputs["RESULT"]);
    }
}
