using MFlow.IntegrationTests.Support;
using MFlow.Kubernetes.Fake;

namespace MFlow.IntegrationTests.Kubernetes;

/// <summary>
/// Issue 3, acceptance 1: over real RabbitMQ and PostgreSQL, with every service its own process and
/// the workers creating and watching Jobs through the Kubernetes API.
/// </summary>
[Collection(KubernetesClusterCollection.Name)]
public sealed class When_a_pipeline_runs_on_kubernetes(KubernetesCluster cluster)
{
    const string Ns = KubernetesCluster.Namespace;
    const string Digest = "sha256:9b2f2b1d6c7e0a4f3d5c8b1a2e4f6d8c0b9a7e5f3d1c2b4a6e8f0d2c4b6a8e0f";

    [Fact]
    public async Task Should_build_deploy_and_roll_out_recording_the_builds_digest()
    {
        cluster.Script("image", new PodScript(0, "INFO Pushed registry.example.com/shop/app:1.4.0\n", TerminationMessage: Digest + "\n"));
        cluster.Script("staging", PodScript.Succeed("deployment \"shop\" successfully rolled out\n"));
        cluster.Script("legacy-hosts", PodScript.Succeed("PLAY RECAP *********\nvm-1.example.com : ok=1 changed=1\n"));

        // The kinds' own Jobs (no container:), configured by their params, as in examples/pipelines/release.yaml.
        var runId = await cluster.SubmitAsync("""
            name: release-on-kubernetes
            params:
              APP: shop
            stages:
              - name: build
                tasks:
                  - name: image
                    kind: build
                    retries: 2
                    timeoutSeconds: 1800
                    params:
                      GIT_URL: git@github.com:example/shop.git
                      GIT_REF: main
                      GIT_SSH_SECRET: git-ssh-key
                      GIT_KNOWN_HOSTS_SECRET: git-known-hosts
                      IMAGE_DESTINATIONS: registry.example.com/shop/app:1.4.0,registry.example.com/shop/app:latest
                      CACHE_REPO: registry.example.com/build-cache/shop
                      BUILD_ARGS: |
                        VERSION=1.4.0
                        COMMIT_MESSAGE=fix: "quotes", $(subshells) and ; semicolons stay literal
              - name: deploy
                tasks:
                  - name: staging
                    kind: deploy
                    params:
                      WORKLOAD_NAME: shop
                      CONTAINER_NAME: app
                      WORKLOAD_NAMESPACE: staging
                      IMAGE: $(tasks.image.outputs.IMAGE)
              - name: vms
                tasks:
                  - name: legacy-hosts
                    kind: vm
                    params:
                      SSH_SECRET: vm-ssh-key
                      SSH_USER: deploy
                      HOST_KEY_CHECKING: "true"
                      KNOWN_HOSTS_SECRET: vm-known-hosts
                      VERSION: 1.4.0
                      PLAYBOOK: |
                        - hosts: app
                          tasks:
                            - ansible.builtin.debug: { msg: "installing shop {{ VERSION }}" }
                      INVENTORY: |
                        [app]
                        vm-1.example.com
            """);

        var run = await cluster.WaitUntilFinalAsync(runId);

        Assert.True(run.State == "Succeeded", Runs.Summary(run) + "\n" + cluster.DescribeServices());
        var image = run.Task("image");
        Assert.Equal(Digest, image.Outputs["IMAGE_DIGEST"]);
        Assert.Equal($"registry.example.com/shop/app:1.4.0@{Digest}", image.Outputs["IMAGE"]);
        Assert.Contains("Pushed registry.example.com/shop/app:1.4.0", image.LogTail);

        // The digest went on to the deploy: kubectl set the image by digest.
        var deployJob = cluster.Kubernetes.GetObject("jobs", Ns, await cluster.JobOfAsync(run.Task("staging").Id))!;
        var setImage = deployJob["spec"]!["template"]!["spec"]!["initContainers"]![0]!;
        Assert.Equal(
            ["set", "image", "deployment/shop", $"app=registry.example.com/shop/app:1.4.0@{Digest}", "--namespace", "staging"],
            setImage["args"]!.AsArray().Select(a => a!.GetValue<string>()));

        // Each kind's Job, with what it owns.
        var buildJob = cluster.Kubernetes.GetObject("jobs", Ns, await cluster.JobOfAsync(image.Id))!;
        Assert.Equal("kaniko", buildJob["spec"]!["template"]!["spec"]!["containers"]![0]!["name"]!.GetValue<string>());
        Assert.Equal(0, buildJob["spec"]!["backoffLimit"]!.GetValue<int>()); // retries are MFlow's attempts, each its own Job
        var vmJobName = await cluster.JobOfAsync(run.Task("legacy-hosts").Id);
        var vmJobUid = cluster.Kubernetes.GetObject("jobs", Ns, vmJobName)!["metadata"]!["uid"]!.GetValue<string>();
        foreach (var owned in new[] { "configmaps", "secrets" })
            Assert.Equal(vmJobUid, cluster.Kubernetes.GetObject(owned, Ns, vmJobName)!["metadata"]!["ownerReferences"]![0]!["uid"]!.GetValue<string>());

        // The whole log stays readable after the pod is gone.
        using var log = await cluster.Api.GetAsync($"/api/v1/runs/{runId}/tasks/legacy-hosts/log");
        Assert.Contains("PLAY RECAP", await log.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Should_fail_the_run_when_a_task_fails_past_its_retries()
    {
        cluster.Script("flaky", PodScript.Fail(2, "assertion failed: expected 2, got 3\n"));

        var runId = await cluster.SubmitAsync("""
            name: fails-on-kubernetes
            stages:
              - name: test
                tasks:
                  - name: flaky
                    kind: build
                    retries: 1
                    retryBackoff: { delay: 1s }
                    container: { image: "alpine:3.20", command: [make, test] }
              - name: never
                tasks:
                  - name: never-runs
                    kind: deploy
                    container: { image: "alpine:3.20", command: ["true"] }
            """);

        var run = await cluster.WaitUntilFinalAsync(runId);

        Assert.True(run.State == "Failed", Runs.Summary(run));
        var flaky = run.Task("flaky");
        Assert.Equal(("Failed", "BackoffLimitExceeded", 2, 2), (flaky.State, flaky.Reason, flaky.ExitCode, flaky.Attempt));
        Assert.Contains("assertion failed", flaky.LogTail);
        Assert.Equal(["Failed", "Failed"], flaky.Attempts.Select(a => a.State)); // the try and its one retry, each its own Job
        foreach (var attempt in new[] { 1, 2 })
            Assert.Single(cluster.Kubernetes.GetJobPods(Ns, (await cluster.JobOfAttemptAsync(flaky.Id, attempt))["metadata"]!["name"]!.GetValue<string>()));
        Assert.Equal("Waiting", run.Task("never-runs").State);
    }

    [Fact]
    public async Task Should_fail_the_run_with_DeadlineExceeded_when_a_job_runs_past_its_deadline()
    {
        var runId = await cluster.SubmitAsync("""
            name: deadline-on-kubernetes
            stages:
              - name: rollout
                tasks:
                  - name: forever
                    kind: vm
                    timeoutSeconds: 600
                    container: { image: "alpine:3.20", command: [sleep, infinity] }
            """);
        var task = (await cluster.GetRunAsync(runId)).Task("forever");
        var job = await cluster.JobOfAsync(task.Id);
        await cluster.Kubernetes.SetPodRunningAsync(Ns, job);
        await cluster.WaitForRunAsync(runId, r => r.Task("forever").State == "Running", "running its task");

        await cluster.Kubernetes.ExceedJobDeadlineAsync(Ns, job);

        var run = await cluster.WaitUntilFinalAsync(runId);
        Assert.True(run.State == "Failed", Runs.Summary(run));
        var forever = run.Task("forever");
        Assert.Equal(("Failed", "DeadlineExceeded"), (forever.State, forever.Reason));
        Assert.Contains("600 s deadline", forever.Message);
    }

    [Fact]
    public async Task Should_delete_the_job_and_end_the_run_cancelled_when_cancelled()
    {
        var runId = await cluster.SubmitAsync("""
            name: cancelled-on-kubernetes
            stages:
              - name: deploy
                tasks:
                  - name: cancel-me
                    kind: deploy
                    container: { image: "alpine:3.20", command: [sleep, infinity] }
              - name: after
                tasks:
                  - name: after-cancel
                    kind: build
                    container: { image: "alpine:3.20", command: ["true"] }
            """);
        var task = (await cluster.GetRunAsync(runId)).Task("cancel-me");
        var job = await cluster.JobOfAsync(task.Id);
        await cluster.Kubernetes.SetPodRunningAsync(Ns, job);
        await cluster.WaitForRunAsync(runId, r => r.Task("cancel-me").State == "Running", "running its task");

        await cluster.CancelAsync(runId);

        await cluster.Kubernetes.WaitForDeletionAsync("jobs", Ns, job, KubernetesCluster.RunTimeout);
        var run = await cluster.WaitUntilFinalAsync(runId);
        Assert.True(run.State == "Cancelled", Runs.Summary(run));
        Assert.Equal("Cancelled", run.Task("cancel-me").State);
        Assert.Equal("Waiting", run.Task("after-cancel").State);
        Assert.Empty(cluster.Kubernetes.GetJobPods(Ns, job)); // background propagation took the pod too
        var delete = Assert.Single(cluster.Kubernetes.Requests, r => r is { Verb: "delete", Resource: "jobs" } && r.Name == job);
        Assert.Contains("propagationPolicy=Background", delete.PathAndQuery, StringComparison.Ordinal);
    }
}
