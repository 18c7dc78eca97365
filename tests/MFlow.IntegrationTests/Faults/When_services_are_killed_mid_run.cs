using MFlow.Contracts;
using MFlow.IntegrationTests.Kubernetes;
using MFlow.IntegrationTests.Persistence;
using MFlow.IntegrationTests.Support;
using MFlow.Testing;
using Xunit.Abstractions;

namespace MFlow.IntegrationTests.Faults;

/// <summary>
/// Issue 5, fault tests: a worker, the aggregator and the scheduler are killed (SIGKILL) in turn at
/// random moments of a run of twenty pipelines, each started again after a random downtime.
/// </summary>
[Collection(FaultsCollection.Name)]
public sealed class When_services_are_killed_mid_run(KubernetesCluster cluster, ITestOutputHelper output)
{
    [Fact]
    public async Task Should_bring_every_run_to_its_correct_final_state_with_one_outcome_per_task()
    {
        await using var workload = await FaultWorkload.CreateAsync(cluster, output, "kill", defaultSeed: 5101);
        var random = workload.Random;
        var workers = new[] { (JobKind.Build, cluster.BuildWorker), (JobKind.Deploy, cluster.DeployWorker), (JobKind.Vm, cluster.VmWorker) };
        var (_, worker) = workers[random.Next(workers.Length)];

        // Each victim dies once the runs have come a random part of the way (counted in Jobs created),
        // plus a random delay: early for the worker, midway for the aggregator, late for the scheduler.
        var kills = new[] { (worker, 0.10, 0.25), (cluster.Aggregator, 0.35, 0.50), (cluster.Scheduler, 0.60, 0.75) }
            .Select(kill => (
                Service: kill.Item1,
                AfterJobs: (int)(workload.ExpectedJobs * (kill.Item2 + (random.NextDouble() * (kill.Item3 - kill.Item2)))),
                Delay: TimeSpan.FromMilliseconds(random.Next(0, 400)),
                Downtime: TimeSpan.FromMilliseconds(random.Next(0, 1500))))
            .ToList();
        workload.Log("plan: " + string.Join("; ", kills.Select(k => $"kill {k.Service.Name} after {k.AfterJobs} Jobs + {k.Delay.TotalMilliseconds:0} ms, down {k.Downtime.TotalMilliseconds:0} ms")));

        var submitting = workload.SubmitAllAsync();
        foreach (var kill in kills)
        {
            await workload.WaitForJobsCreatedAsync(kill.AfterJobs);
            await Task.Delay(kill.Delay); // the random moment of the fault
            await workload.KillAndRestartAsync(kill.Service, kill.Downtime);
        }

        await submitting;

        // The killed worker may publish a task's terminal TaskUpdated twice: killed after its tracker
        // published the outcome, it forgets it did; restarted, it finds the finished Job, cannot learn
        // from the aggregator (busy or down) that the outcome is recorded, and reports it again rather
        // than risk silence (the next test makes that happen). The aggregator killed between its
        // outbox relay's publish and the row's delete publishes that run event again. Both copies
        // carry the first's MessageId, so each attempt and run ends exactly once by MessageId: checked.
        await workload.AssertInvariantsAsync();
    }

    /// <summary>
    /// The crash window the test above allows for, made to happen: the aggregator is down while a
    /// task ends, so the worker's terminal TaskUpdated waits in the aggregator's queue; the worker is
    /// killed and restarted, finds the finished Job, cannot learn from the aggregator that the outcome
    /// is on its way, and reports it again. The wire carries two terminal TaskUpdated; the user sees
    /// one outcome and one terminal run event.
    /// </summary>
    [Fact]
    public async Task Should_keep_one_outcome_when_a_restarted_worker_reports_a_task_again()
    {
        await using var spy = await MessageSpy.StartAsync(cluster.VirtualHost.Url, [typeof(TaskUpdated), typeof(PipelineRunSucceeded), typeof(PipelineRunFailed)]);
        var name = "dup-" + Guid.NewGuid().ToString("N")[..8];
        cluster.Script(name, null); // the test ends the pod itself
        var runId = await cluster.SubmitAsync($$"""
            name: {{name}}
            stages:
              - name: build
                tasks:
                  - name: {{name}}
                    kind: build
                    container: { image: "alpine:3.20", command: ["true"] }
            """);
        var taskId = (await cluster.GetRunAsync(runId)).Task(name).Id;
        var job = await cluster.JobOfAsync(taskId);
        await cluster.Kubernetes.SetPodRunningAsync(KubernetesCluster.Namespace, job);

        cluster.Aggregator.Kill();
        await cluster.Kubernetes.CompletePodAsync(KubernetesCluster.Namespace, job, exitCode: 0, log: "built\n", terminationMessage: "RESULT=once\0");
        await TerminalUpdatesAsync(spy, taskId, count: 1, "the worker reported the task's outcome");
        cluster.BuildWorker.Kill();
        await cluster.BuildWorker.RestartAsync();
        await cluster.BuildWorker.WaitUntilHealthyAsync(KubernetesCluster.StartTimeout);
        // The aggregator does not answer GetTaskOutcomes (15 s), so the worker reports the Job again.
        var terminal = await TerminalUpdatesAsync(spy, taskId, count: 2, "the restarted worker reported the outcome again");
        await cluster.Aggregator.RestartAsync();
        await cluster.Aggregator.WaitUntilHealthyAsync(KubernetesCluster.StartTimeout);

        var run = await cluster.WaitUntilFinalAsync(runId);
        await Eventually.UntilAsync(
            async () => await cluster.VirtualHost.QueueDepthAsync("mflow-aggregator") == 0
                && (await cluster.VirtualHost.ListQueuesAsync()).Single(q => q.Name == "mflow-aggregator").MessagesUnacknowledged == 0,
            TimeSpan.FromSeconds(30),
            "the aggregator consumed both reports");

        Assert.Equal([TaskState.Succeeded, TaskState.Succeeded], terminal.Select(u => u.State));
        // One event delivered twice, not two events: the second copy has the first's MessageId.
        var ids = (await spy.DrainAsync())
            .Where(m => m.MessageType == SpiedMessage.UrnOf(typeof(TaskUpdated)) && m.Message.GetProperty("taskId").GetGuid() == taskId
                && m.Message.GetProperty("state").GetString() == nameof(TaskState.Succeeded))
            .Select(m => m.MessageId)
            .ToList();
        Assert.Equal(2, ids.Count);
        Assert.NotNull(ids[0]);
        Assert.Equal(ids[0], ids[1]);
        Assert.All(terminal, u => Assert.Equal(("once", TaskSequence.Of(1, TaskState.Succeeded)), (u.Outputs["RESULT"], u.Sequence)));
        Assert.True(run.State == "Succeeded", Runs.Summary(run));
        Assert.Equal("once", run.Task(name).Outputs["RESULT"]);
        var stored = (await StoredRuns.ReadAsync(cluster.Database, runId))!.State.Tasks[taskId];
        Assert.Equal((TaskState.Succeeded, 1, TaskSequence.Of(1, TaskState.Succeeded)), (stored.State, stored.Attempt, stored.Sequence));
        Assert.Single(await spy.MessagesAsync<PipelineRunSucceeded>(), e => e.RunId == runId);
        Assert.DoesNotContain(await spy.MessagesAsync<PipelineRunFailed>(), e => e.RunId == runId);
    }

    private static Task<IReadOnlyList<TaskUpdated>> TerminalUpdatesAsync(MessageSpy spy, Guid taskId, int count, string description) =>
        Eventually.UntilAsync(
            async () => (IReadOnlyList<TaskUpdated>)(await spy.MessagesAsync<TaskUpdated>())
                .Where(u => u.TaskId == taskId && u.State is TaskState.Succeeded or TaskState.Failed or TaskState.Cancelled)
                .ToList(),
            updates => updates.Count >= count,
            TimeSpan.FromSeconds(60),
            description);
}
