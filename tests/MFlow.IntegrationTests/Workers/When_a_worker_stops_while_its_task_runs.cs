using MFlow.IntegrationTests.Support;
using MFlow.Scheduler.Api;
using MFlow.Testing;
using static MFlow.IntegrationTests.Support.PipelineDocuments;

namespace MFlow.IntegrationTests.Workers;

/// <summary>
/// Issue 2, acceptance 5: stopping a worker while its task runs and starting it again does not lose
/// the run. Either outcome is acceptable: the attempt fails with the worker-stopped reason, or the
/// command is redelivered to the restarted worker and the task runs again. Silence is not.
/// </summary>
[Collection(RestartingServicesCollection.Name)]
public sealed class When_a_worker_stops_while_its_task_runs(ServiceCluster cluster) : IClassFixture<ServiceCluster>
{
    [Fact]
    public async Task Should_still_finish_the_run_after_a_graceful_stop_and_a_start()
    {
        var (runId, marker) = await StartLongTaskAsync();

        await cluster.BuildWorker.StopAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(0, cluster.BuildWorker.ExitCode);
        await RestartBuildWorkerAsync();

        var run = await WaitUntilSettledAsync(runId, marker);
        // The local executor stops its tasks with the worker and reports them failed; the command
        // was consumed, so nothing reruns it.
        Assert.True(run.State == "Failed", Runs.Summary(run));
        Assert.Equal("WorkerStopped", run.Task("long-build").Reason);
    }

    [Fact]
    public async Task Should_still_finish_the_run_after_a_kill_and_a_start()
    {
        var (runId, marker) = await StartLongTaskAsync();

        cluster.BuildWorker.Kill();
        await RestartBuildWorkerAsync();

        var run = await WaitUntilSettledAsync(runId, marker);
        // A killed worker never acknowledged the command: the broker redelivers it to the
        // restarted worker, which runs the task again (the script sees its marker and succeeds).
        Assert.True(run.State == "Succeeded", Runs.Summary(run));
        Assert.Equal("yes", run.Task("long-build").Outputs["RESUMED"]);
        Assert.Equal("Succeeded", run.Task("ship").State);
    }

    // A build task that, the first time, leaves a marker and sleeps far longer than the test waits;
    // run again, it finds the marker and finishes at once. Then a deploy stage.
    private async Task<(Guid RunId, string Marker)> StartLongTaskAsync()
    {
        var marker = Path.Combine(cluster.WorkDirectory, "started-" + Guid.NewGuid().ToString("N"));
        const string script = """
            if [ -e "$MARKER" ]; then echo "resumed after a restart"; printf 'RESUMED=yes\0' >> "$_OUTPUT_FILE"; exit 0; fi
            touch "$MARKER"
            echo "building for a long time"
            exec sleep 600
            """;
        var runId = await cluster.SubmitAsync(Document("survives-a-worker-restart",
            Stage("build", ShellTask("long-build", "build", script, new Dictionary<string, string> { ["MARKER"] = marker })),
            Stage("ship", ShellTask("ship", "deploy", "echo shipped"))), "application/json");

        await Eventually.UntilAsync(
            async () => Runs.Describe(await cluster.GetRunAsync(runId)),
            run => run.View.Task("long-build").State == "Running" && File.Exists(marker),
            ServiceCluster.RunTimeout,
            "the long task runs");
        return (runId, marker);
    }

    private async Task RestartBuildWorkerAsync()
    {
        await cluster.BuildWorker.RestartAsync();
        await cluster.BuildWorker.WaitUntilHealthyAsync(ServiceCluster.StartTimeout);
    }

    private async Task<RunView> WaitUntilSettledAsync(Guid runId, string marker)
    {
        var run = await cluster.WaitUntilFinalAsync(runId);
        var task = run.Task("long-build");
        var outcome = $"{Runs.Summary(run)}; long-build: {task.State} {task.Reason} \"{task.Message}\"";
        switch (task.State)
        {
            case "Failed":
                Assert.True(task.Reason == "WorkerStopped", outcome);
                Assert.Contains("worker stopped", task.Message, StringComparison.OrdinalIgnoreCase);
                Assert.Equal("Failed", run.State);
                Assert.Equal("Waiting", run.Task("ship").State);
                break;
            case "Succeeded":
                Assert.Equal("yes", task.Outputs.GetValueOrDefault("RESUMED"));
                break;
            default:
                Assert.Fail($"The task is neither failed nor succeeded: {outcome}");
                break;
        }

        Assert.True(File.Exists(marker));
        return run;
    }
}
