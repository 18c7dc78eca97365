using MFlow.Contracts;
using MFlow.IntegrationTests.Support;
using MFlow.Scheduler.Runs;

namespace MFlow.IntegrationTests.Pipelines;

[Collection(SharedClusterCollection.Name)]
public sealed class When_a_pipeline_runs_end_to_end(ServiceCluster cluster)
{
    [Fact]
    public async Task Should_succeed_with_every_task_state_exit_code_and_output_recorded()
    {
        // The middle stage's three tasks (one per worker) wait for each other: the stage can only
        // pass if all three run at the same time.
        var rendezvous = Directory.CreateDirectory(Path.Combine(cluster.WorkDirectory, "rendezvous-" + Guid.NewGuid().ToString("N"))).FullName;
        const string meet = """
            touch "$RENDEZVOUS/$_JOB_TASK_ID"
            i=0
            while [ "$(ls "$RENDEZVOUS" | wc -l)" -lt 3 ]; do
              i=$((i+1)); [ "$i" -gt 1200 ] && { echo "ran alone"; exit 9; }
              sleep 0.05
            done
            printf 'PEERS=%s\0' "$(ls "$RENDEZVOUS" | wc -l)" >> "$_OUTPUT_FILE"
            """;
        var yaml = $$"""
            name: release
            params:
              APP: shop
              RENDEZVOUS: {{rendezvous}}
            stages:
              - name: build
                tasks:
                  - name: compile
                    kind: build
                    container:
                      image: alpine:3.20
                      command: [sh, -c]
                      args:
                        - |
                          echo "compiling $APP"
                          printf 'IMAGE=%s\0' "registry.example.com/$APP:$_PIPELINE_TASK_ID" >> "$_OUTPUT_FILE"
                          printf 'TASK=%s\0' "$_JOB_TASK_ID" >> "$_OUTPUT_FILE"
              - name: deliver
                tasks:
                  - name: unit-tests
                    kind: build
                    container:
                      image: alpine:3.20
                      command: [sh, -c, {{Quote(meet + "\necho 'ok - 3 tests'\nprintf 'TESTS=3\\0' >> \"$_OUTPUT_FILE\"")}}]
                  - name: deploy-staging
                    kind: deploy
                    params:
                      WORKLOAD_KIND: Deployment
                      WORKLOAD_NAME: shop
                    container:
                      image: bitnami/kubectl:1.31
                      command: [sh, -c, {{Quote(meet + "\nprintf 'DEPLOYED=%s\\0' \"$_WORKLOAD_KIND/$_WORKLOAD_NAME\" >> \"$_OUTPUT_FILE\"")}}]
                  - name: prepare-vms
                    kind: vm
                    container:
                      image: alpine/ansible:2.17
                      command: [sh, -c, {{Quote(meet + "\nprintf 'PREPARED=vm-1,vm-2\\0' >> \"$_OUTPUT_FILE\"")}}]
              - name: rollout
                tasks:
                  - name: vm-rollout
                    kind: vm
                    params:
                      HOSTS: vm-1,vm-2
                    container:
                      image: alpine/ansible:2.17
                      command: [sh, -c]
                      args: ['for h in $(echo "$HOSTS" | tr , " "); do echo "rolled out to $h"; done; printf "ROLLED_OUT=%s\\0" "$HOSTS" >> "$_OUTPUT_FILE"']
            """;

        var runId = await cluster.SubmitAsync(yaml);
        var run = await cluster.WaitUntilFinalAsync(runId);

        Assert.True(run.State == "Succeeded", Runs.Summary(run));
        Assert.Equal(["build", "deliver", "rollout"], run.Stages.Select(stage => stage.Name));
        Assert.All(run.Stages, stage => Assert.Equal("Succeeded", stage.State));
        Assert.Equal(["build", "deploy", "vm"], run.Stages.SelectMany(s => s.Tasks).Select(t => t.Kind).Distinct().Order());
        Assert.All(run.Stages.SelectMany(stage => stage.Tasks), task =>
        {
            Assert.Equal("Succeeded", task.State);
            Assert.Equal(0, task.ExitCode);
            Assert.Equal(1, task.Attempt);
            Assert.Equal(RunPlanner.TaskId(runId, task.Name), task.Id);
            Assert.NotNull(task.StartedAt);
            Assert.NotNull(task.FinishedAt);
        });

        var compile = run.Task("compile");
        Assert.Equal($"registry.example.com/shop:{runId}", compile.Outputs["IMAGE"]);
        Assert.Equal(compile.Id.ToString(), compile.Outputs["TASK"]);
        Assert.Contains("compiling shop", compile.LogTail);
        Assert.Equal("3", run.Task("unit-tests").Outputs["TESTS"]);
        Assert.Equal("3", run.Task("unit-tests").Outputs["PEERS"]);
        Assert.Equal("Deployment/shop", run.Task("deploy-staging").Outputs["DEPLOYED"]);
        Assert.Equal("3", run.Task("deploy-staging").Outputs["PEERS"]);
        Assert.Equal("vm-1,vm-2", run.Task("prepare-vms").Outputs["PREPARED"]);
        Assert.Equal("vm-1,vm-2", run.Task("vm-rollout").Outputs["ROLLED_OUT"]);
        Assert.Contains("rolled out to vm-2", run.Task("vm-rollout").LogTail);

        // Stages ran in order: each started after the previous one's last task finished.
        for (var index = 1; index < run.Stages.Count; index++)
        {
            var previousEnd = run.Stages[index - 1].Tasks.Max(task => task.FinishedAt!.Value);
            Assert.All(run.Stages[index].Tasks, task => Assert.True(task.StartedAt >= previousEnd, $"{task.Name} started before stage {index - 1} ended"));
        }

        var state = await cluster.ReadRunStateAsync(runId);
        Assert.Equal("Succeeded", state?.CurrentState);
        var succeeded = Assert.Single(await cluster.WaitForMessagesAsync<PipelineRunSucceeded>(e => e.RunId == runId, "the run's success is published"));
        Assert.Equal("release", succeeded.PipelineName);
        Assert.Equal([0, 1, 2], (await cluster.Spy.MessagesAsync<StageCompleted>()).Where(e => e.RunId == runId && e.Succeeded).Select(e => e.StageIndex).Order());
    }

    // A YAML double-quoted scalar (JSON string syntax is valid YAML).
    private static string Quote(string text) => System.Text.Json.JsonSerializer.Serialize(text);
}
