using MFlow.Contracts;
using MFlow.IntegrationTests.Support;
using static MFlow.IntegrationTests.Support.PipelineDocuments;

namespace MFlow.IntegrationTests.Pipelines;

[Collection(SharedClusterCollection.Name)]
public sealed class When_a_task_fails(ServiceCluster cluster)
{
    [Fact]
    public async Task Should_fail_the_run_with_the_task_exit_code_and_never_dispatch_a_later_stage()
    {
        var runId = await cluster.SubmitAsync(Document("fails-in-the-middle",
            Stage("build", ShellTask("compile", "build", "printf 'IMAGE=registry.example.com/app:1\\0' >> \"$_OUTPUT_FILE\"")),
            Stage("test",
                ShellTask("unit-tests", "build", "echo 'ok - parse'; echo 'not ok - plan' >&2; exit 3"),
                ShellTask("lint", "vm", "echo 'style ok'")),
            Stage("deploy", ShellTask("ship", "deploy", "echo 'this must never run'; printf 'SHIPPED=yes\\0' >> \"$_OUTPUT_FILE\""))),
            "application/json");

        var run = await cluster.WaitUntilFinalAsync(runId);

        // What the user reads.
        Assert.True(run.State == "Failed", Runs.Summary(run));
        Assert.Equal(["Succeeded", "Failed", "Waiting"], run.Stages.Select(stage => stage.State));
        var failed = run.Task("unit-tests");
        Assert.Equal("Failed", failed.State);
        Assert.Equal(3, failed.ExitCode);
        Assert.Equal("Error", failed.Reason);
        Assert.Contains("exited with code 3", failed.Message);
        Assert.Contains("not ok - plan", failed.LogTail);
        Assert.Equal("Succeeded", run.Task("lint").State);
        Assert.Equal("registry.example.com/app:1", run.Task("compile").Outputs["IMAGE"]);
        var ship = run.Task("ship");
        Assert.Equal("Waiting", ship.State);
        Assert.Equal(0, ship.Attempt);
        Assert.Null(ship.StartedAt);
        Assert.Empty(ship.Outputs);

        // Why "never": the aggregator stored stage 1 as completed and failed before the run became
        // Failed, and it never completes a stage twice, so no StageCompleted that succeeds stage 1
        // can ever be published. The scheduler dispatches stage 2 only on such a message, in the
        // same transaction that moves its dispatch cursor past stage 1. The spy holds a copy of
        // every message published in the virtual host since before the run started; the
        // aggregator's events are there at the latest right after its commit.
        var terminal = Assert.Single(await cluster.WaitForMessagesAsync<PipelineRunFailed>(e => e.RunId == runId, "the run's failure is published"));
        var stageEvents = (await cluster.Spy.MessagesAsync<StageCompleted>()).Where(e => e.RunId == runId);
        Assert.Equal([(0, true), (1, false)], stageEvents.Select(e => (e.StageIndex, e.Succeeded)).Order());
        Assert.Equal(1, await cluster.DispatchedStageAsync(runId));
        Assert.Equal(0, await cluster.PendingOutboxMessagesAsync(runId));
        Assert.DoesNotContain(await cluster.Spy.MessagesAsync<RunDeployTask>(), command => command.RunId == runId);
        Assert.DoesNotContain(await cluster.Spy.MessagesAsync<TaskUpdated>(), update => update.TaskId == ship.Id);
        Assert.False(cluster.DeployWorker.OutputContains(ship.Id.ToString()), "the deploy worker saw the task of the stage after the failure");

        Assert.Equal(1, terminal.StageIndex);
        var failure = Assert.Single(terminal.FailedTasks);
        Assert.Equal(("unit-tests", 3), (failure.TaskName, failure.ExitCode));
        Assert.DoesNotContain(await cluster.Spy.MessagesAsync<PipelineRunSucceeded>(), e => e.RunId == runId);
    }
}
