using MFlow.Contracts;
using MFlow.Execution.Kubernetes;
using MFlow.Workers.Build.Jobs;
using MFlow.Testing;
using MFlow.Workers.Tests.Support;
using MFlow.Workers.Vm.Jobs;
using Microsoft.Extensions.Logging.Abstractions;

namespace MFlow.Workers.Tests.Tracking;

/// <summary>
/// The executor creates a task's Job; the tracker's list+watch turns what the API server shows into
/// TaskUpdated: every transition once, in order, including across a broken watch and a restart.
/// </summary>
public sealed class When_tracking_jobs : IAsyncLifetime
{
    const string Ns = TrackerRig.Namespace;
    const string Digest = "sha256:5d41402abc4b2a76b9719d911017c592ae2f8d3c1b4b7e6c9a0e2d4f6b8a0c1e";

    readonly KanikoJobBuilder _builds = new();
    TrackerRig _rig = null!;

    public async Task InitializeAsync() => _rig = await TrackerRig.StartAsync();

    public async Task DisposeAsync() => await _rig.DisposeAsync();

    [Fact]
    public async Task Should_report_running_then_succeeded_once_with_the_image_digest()
    {
        await _rig.StartTrackerAsync(_builds);
        var command = TrackerRig.Fresh(Commands.Build(("IMAGE", null), ("IMAGE_DESTINATIONS", "registry.example.com/shop/app:1.4.0,registry.example.com/shop/app:latest")));
        var job = TrackerRig.JobName(command);

        await _rig.Executor(_builds).ExecuteAsync(command, CancellationToken.None);
        // A state the tracker has not reported yet is skipped once a later one is decided (it would
        // say nothing new): each transition waits for the previous report, as on a real cluster.
        await _rig.Updates.WaitForAsync(command.TaskId, u => u.State == TaskState.Pending);
        await _rig.Server.SetPodRunningAsync(Ns, job);
        await _rig.Updates.WaitForAsync(command.TaskId, u => u.State == TaskState.Running);
        await _rig.Server.CompletePodAsync(Ns, job, exitCode: 0, log: "INFO Pushed registry.example.com/shop/app:1.4.0\n", terminationMessage: Digest);
        var succeeded = await _rig.Updates.WaitForAsync(command.TaskId, u => u.State == TaskState.Succeeded);
        await _rig.FenceAsync(_builds);

        Assert.Equal(["Pending", "Running", "Succeeded"], _rig.Updates.States(command.TaskId));
        Assert.Equal(Digest, succeeded.Outputs["IMAGE_DIGEST"]);
        Assert.Equal($"registry.example.com/shop/app:1.4.0@{Digest}", succeeded.Outputs["IMAGE"]);
        Assert.Equal(0, succeeded.ExitCode);
        Assert.Contains("Pushed registry.example.com/shop/app:1.4.0", succeeded.LogTail, StringComparison.Ordinal);
        Assert.Equal("INFO Pushed registry.example.com/shop/app:1.4.0\n", succeeded.Log);
        Assert.False(succeeded.LogTruncated);
        // The task's Secret (its update token) goes with the Job: owned by it.
        var secret = _rig.Server.GetObject("secrets", Ns, job)!;
        Assert.Equal(_rig.Server.GetObject("jobs", Ns, job)!["metadata"]!["uid"]!.GetValue<string>(), secret["metadata"]!["ownerReferences"]![0]!["uid"]!.GetValue<string>());
    }

    [Fact]
    public async Task Should_fail_with_BackoffLimitExceeded_once_every_try_failed()
    {
        await _rig.StartTrackerAsync(_builds);
        var command = TrackerRig.Fresh(Commands.Custom(Commands.Build(), "make", "test")) with { BackoffLimit = 1 };
        var job = TrackerRig.JobName(command);

        await _rig.Executor(_builds).ExecuteAsync(command, CancellationToken.None);
        await _rig.Server.SetPodRunningAsync(Ns, job);
        await _rig.Server.CompletePodAsync(Ns, job, exitCode: 3, log: "FAIL first try\n");
        await _rig.Server.SetPodRunningAsync(Ns, job); // the Job's retry
        await _rig.Server.CompletePodAsync(Ns, job, exitCode: 3, log: "FAIL second try\n");
        var failed = await _rig.Updates.WaitForAsync(command.TaskId, u => TrackerRig.IsTerminal(u.State));
        await _rig.FenceAsync(_builds);

        Assert.Equal(TaskState.Failed, failed.State);
        Assert.Equal("BackoffLimitExceeded", failed.Reason);
        Assert.Equal(3, failed.ExitCode);
        Assert.Contains("backoffLimit 1", failed.Message, StringComparison.Ordinal);
        Assert.Contains("FAIL second try", failed.LogTail, StringComparison.Ordinal);
        Assert.Single(_rig.Updates.Terminal(command.TaskId));
        Assert.Equal(2, _rig.Server.GetJobPods(Ns, job).Count);
    }

    [Fact]
    public async Task Should_fail_with_DeadlineExceeded_when_the_deadline_passes()
    {
        await _rig.StartTrackerAsync(_builds);
        var command = TrackerRig.Fresh(Commands.Custom(Commands.Build(), "sleep", "infinity")) with { TimeoutSeconds = 120 };
        var job = TrackerRig.JobName(command);

        await _rig.Executor(_builds).ExecuteAsync(command, CancellationToken.None);
        await _rig.Server.SetPodRunningAsync(Ns, job);
        await _rig.Updates.WaitForAsync(command.TaskId, u => u.State == TaskState.Running);
        await _rig.Server.ExceedJobDeadlineAsync(Ns, job);
        var failed = await _rig.Updates.WaitForAsync(command.TaskId, u => TrackerRig.IsTerminal(u.State));
        await _rig.FenceAsync(_builds);

        Assert.Equal((TaskState.Failed, "DeadlineExceeded"), (failed.State, failed.Reason));
        Assert.Contains("120 s deadline", failed.Message, StringComparison.Ordinal);
        Assert.Single(_rig.Updates.Terminal(command.TaskId));
    }

    [Fact]
    public async Task Should_not_report_an_end_while_the_job_is_at_FailureTarget_with_its_pod_terminating()
    {
        await _rig.StartTrackerAsync(_builds);
        var command = TrackerRig.Fresh(Commands.Custom(Commands.Build(), "sleep", "infinity")) with { TimeoutSeconds = 120 };
        var job = TrackerRig.JobName(command);
        await _rig.Executor(_builds).ExecuteAsync(command, CancellationToken.None);
        await _rig.Server.SetPodRunningAsync(Ns, job);
        await _rig.Updates.WaitForAsync(command.TaskId, u => u.State == TaskState.Running);
        _rig.Server.HoldPodTermination = true;

        await _rig.Server.ExceedJobDeadlineAsync(Ns, job);
        // The fence's Job is created, run and reported after the interim write: the tracker has seen it.
        _rig.Server.HoldPodTermination = false;
        await _rig.FenceAsync(_builds);

        Assert.Empty(_rig.Updates.Terminal(command.TaskId));
        Assert.Equal(["FailureTarget"], _rig.Server.GetObject("jobs", Ns, job)!["status"]!["conditions"]!.AsArray().Select(c => c!["type"]!.GetValue<string>()));

        await _rig.Server.ReleasePodTerminationsAsync();
        var failed = await _rig.Updates.WaitForAsync(command.TaskId, u => TrackerRig.IsTerminal(u.State));
        await _rig.FenceAsync(_builds);

        Assert.Equal((TaskState.Failed, "DeadlineExceeded"), (failed.State, failed.Reason));
        Assert.Single(_rig.Updates.Terminal(command.TaskId));
    }

    [Fact]
    public async Task Should_report_pending_with_the_reason_while_the_image_cannot_be_pulled()
    {
        await _rig.StartTrackerAsync(_builds);
        var command = TrackerRig.Fresh(Commands.Build());
        var job = TrackerRig.JobName(command);

        await _rig.Executor(_builds).ExecuteAsync(command, CancellationToken.None);
        await _rig.Server.SetPodWaitingAsync(Ns, job, "ImagePullBackOff", "Back-off pulling image \"gcr.io/kaniko-project/executor:v1.23.2\"");

        var waiting = await _rig.Updates.WaitForAsync(command.TaskId, u => u.Reason == "ImagePullBackOff");
        Assert.Equal(TaskState.Pending, waiting.State);
        Assert.Contains("Back-off pulling image", waiting.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Should_delete_the_job_and_report_cancelled_when_the_task_is_cancelled()
    {
        await _rig.StartTrackerAsync(_builds);
        var command = TrackerRig.Fresh(Commands.Build());
        var job = TrackerRig.JobName(command);
        await _rig.Executor(_builds).ExecuteAsync(command, CancellationToken.None);
        await _rig.Server.SetPodRunningAsync(Ns, job);
        await _rig.Updates.WaitForAsync(command.TaskId, u => u.State == TaskState.Running);

        await _rig.Executor(_builds).CancelAsync(Cancel(command, "superseded by a newer run"), CancellationToken.None);

        await _rig.Server.WaitForDeletionAsync("jobs", Ns, job);
        var cancelled = await _rig.Updates.WaitForAsync(command.TaskId, u => TrackerRig.IsTerminal(u.State));
        Assert.Equal(TaskState.Cancelled, cancelled.State);
        Assert.Equal("Cancelled: superseded by a newer run", cancelled.Message);
        var delete = Assert.Single(_rig.Server.Requests, r => r is { Verb: "delete", Resource: "jobs" });
        Assert.Equal(200, delete.StatusCode);
        await _rig.Server.WaitForDeletionAsync("secrets", Ns, job); // owned, so collected with it
        await _rig.FenceAsync(_builds);
        Assert.Single(_rig.Updates.Terminal(command.TaskId));
    }

    [Fact]
    public async Task Should_report_cancelled_without_creating_a_job_when_the_cancel_came_first()
    {
        await _rig.StartTrackerAsync(_builds);
        var command = TrackerRig.Fresh(Commands.Build());

        await _rig.Executor(_builds).CancelAsync(Cancel(command, "run cancelled"), CancellationToken.None);
        await _rig.Executor(_builds).ExecuteAsync(command, CancellationToken.None);

        var cancelled = await _rig.Updates.WaitForAsync(command.TaskId, u => TrackerRig.IsTerminal(u.State));
        Assert.Equal(TaskState.Cancelled, cancelled.State);
        Assert.DoesNotContain(_rig.Server.Requests, r => r is { Verb: "create", Resource: "jobs" });
    }

    [Fact]
    public async Task Should_delete_a_secret_an_earlier_version_left_without_its_job_when_the_task_is_cancelled()
    {
        await _rig.StartTrackerAsync(_builds);
        var command = TrackerRig.Fresh(Commands.Build());
        var job = TrackerRig.JobName(command);
        // A worker of an earlier version made the task's Secret before its Job, then died.
        await _rig.Client.CreateSecretAsync(new k8s.Models.V1Secret
        {
            Metadata = new k8s.Models.V1ObjectMeta { Name = job, NamespaceProperty = Ns },
            StringData = new Dictionary<string, string> { ["MFLOW_UPDATE_TOKEN"] = "left-behind" },
        });

        await _rig.Executor(_builds).CancelAsync(Cancel(command, "run cancelled"), CancellationToken.None);
        await _rig.Executor(_builds).ExecuteAsync(command, CancellationToken.None);

        Assert.Null(_rig.Server.GetObject("secrets", Ns, job));
        Assert.Equal(TaskState.Cancelled, (await _rig.Updates.WaitForAsync(command.TaskId, u => TrackerRig.IsTerminal(u.State))).State);
        Assert.DoesNotContain(_rig.Server.Requests, r => r is { Verb: "create", Resource: "jobs" });
        Assert.Single(_rig.Server.Requests, r => r is { Verb: "create", Resource: "secrets" }); // the earlier version's
    }

    [Fact]
    public async Task Should_lose_no_transition_when_the_watch_breaks_and_its_history_is_gone()
    {
        await _rig.StartTrackerAsync(_builds);
        var command = TrackerRig.Fresh(Commands.Build());
        var job = TrackerRig.JobName(command);
        await _rig.Executor(_builds).ExecuteAsync(command, CancellationToken.None);
        await _rig.Updates.WaitForAsync(command.TaskId, u => u.State == TaskState.Pending); // reported before Running is decided
        await _rig.Server.SetPodRunningAsync(Ns, job);
        await _rig.Updates.WaitForAsync(command.TaskId, u => u.State == TaskState.Running);
        var listsBefore = JobLists();

        // The connection drops; while the tracker waits to reconnect the Job finishes, and the server
        // compacts its history, so the tracker's resourceVersion is too old (410 Gone): it must relist.
        _rig.Server.DropWatches();
        await _rig.Server.CompletePodAsync(Ns, job, exitCode: 0, log: "pushed\n", terminationMessage: Digest);
        _rig.Server.CompactHistory();

        var succeeded = await _rig.Updates.WaitForAsync(command.TaskId, u => TrackerRig.IsTerminal(u.State));
        await _rig.FenceAsync(_builds);
        Assert.Equal(TaskState.Succeeded, succeeded.State);
        Assert.Equal(Digest, succeeded.Outputs["IMAGE_DIGEST"]);
        Assert.Equal(["Pending", "Running", "Succeeded"], _rig.Updates.States(command.TaskId));
        Assert.True(JobLists() > listsBefore, "the tracker never listed again: the 410 path was not taken");
    }

    [Fact]
    public async Task Should_wait_for_the_pod_of_a_job_that_finished_before_its_pod_was_seen()
    {
        _rig.Options.PodStatusGrace = TimeSpan.FromSeconds(30);
        await _rig.StartTrackerAsync(_builds);
        var command = TrackerRig.Fresh(Commands.Build());
        var job = TrackerRig.JobName(command);

        // The pod watch is down for a while (its reconnects fail) while the Job watch is fine: the
        // Job's verdict arrives before anything about its pod, which holds the digest and the log.
        _rig.Server.InjectFaults(10, 503, pathContains: "/pods?");
        _rig.Server.DropWatches();
        await _rig.Executor(_builds).ExecuteAsync(command, CancellationToken.None);
        await _rig.Server.CompletePodAsync(Ns, job, exitCode: 0, log: "pushed\n", terminationMessage: Digest);

        var succeeded = await _rig.Updates.WaitForAsync(command.TaskId, u => TrackerRig.IsTerminal(u.State), TimeSpan.FromSeconds(40));
        Assert.Equal(TaskState.Succeeded, succeeded.State);
        Assert.Equal(Digest, succeeded.Outputs.GetValueOrDefault("IMAGE_DIGEST"));
        Assert.Contains("pushed", succeeded.LogTail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Should_report_a_job_that_finished_while_the_worker_was_down_exactly_once()
    {
        var first = await _rig.StartTrackerAsync(_builds);
        var command = TrackerRig.Fresh(Commands.Build());
        var job = TrackerRig.JobName(command);
        await _rig.Executor(_builds).ExecuteAsync(command, CancellationToken.None);
        await _rig.Server.SetPodRunningAsync(Ns, job);
        await _rig.Updates.WaitForAsync(command.TaskId, u => u.State == TaskState.Running);

        await _rig.StopTrackerAsync(first);
        await _rig.Server.CompletePodAsync(Ns, job, exitCode: 0, log: "pushed\n", terminationMessage: Digest);
        await _rig.StartTrackerAsync(_builds);

        var succeeded = await _rig.Updates.WaitForAsync(command.TaskId, u => TrackerRig.IsTerminal(u.State));
        await _rig.FenceAsync(_builds);
        Assert.Equal(TaskState.Succeeded, succeeded.State);
        Assert.Equal(Digest, succeeded.Outputs["IMAGE_DIGEST"]);
        Assert.Single(_rig.Updates.Terminal(command.TaskId));
        Assert.Contains(_rig.Updates.Questions, q => q.Tasks.Any(t => t.TaskId == command.TaskId));
    }

    [Fact]
    public async Task Should_not_report_again_an_outcome_reported_before_a_restart()
    {
        var first = await _rig.StartTrackerAsync(_builds);
        var command = TrackerRig.Fresh(Commands.Build());
        var job = TrackerRig.JobName(command);
        await _rig.Executor(_builds).ExecuteAsync(command, CancellationToken.None);
        await _rig.Server.CompletePodAsync(Ns, job, exitCode: 0, terminationMessage: Digest);
        await _rig.Updates.WaitForAsync(command.TaskId, u => TrackerRig.IsTerminal(u.State));

        await _rig.StopTrackerAsync(first);
        await _rig.StartTrackerAsync(_builds);
        await Testing.Eventually.UntilAsync(
            () => Task.FromResult(_rig.Updates.Questions.Any(q => q.Tasks.Any(t => t.TaskId == command.TaskId))),
            TimeSpan.FromSeconds(20), "the restarted tracker asks whether the outcome was reported");
        await _rig.FenceAsync(_builds);

        Assert.Single(_rig.Updates.Terminal(command.TaskId));
    }

    [Fact]
    public async Task Should_adopt_the_job_when_the_command_is_delivered_twice()
    {
        await _rig.StartTrackerAsync(_builds);
        var command = TrackerRig.Fresh(Commands.Build());
        var job = TrackerRig.JobName(command);

        await _rig.Executor(_builds).ExecuteAsync(command, CancellationToken.None);
        await _rig.Executor(_builds).ExecuteAsync(command, CancellationToken.None);
        var jobCreates = Creates("jobs");
        var secretCreates = Creates("secrets");
        await _rig.Server.CompletePodAsync(Ns, job, exitCode: 0, terminationMessage: Digest);
        await _rig.Updates.WaitForAsync(command.TaskId, u => TrackerRig.IsTerminal(u.State));
        await _rig.FenceAsync(_builds);

        Assert.Equal([201, 409], jobCreates); // the second delivery found the Job (AlreadyExists) and adopted it
        Assert.Equal([201, 409], secretCreates);
        Assert.Single(_rig.Server.List("jobs", Ns), j => j["metadata"]!["name"]!.GetValue<string>() == job);
        Assert.Single(_rig.Server.GetJobPods(Ns, job));
        Assert.Single(_rig.Updates.Terminal(command.TaskId));
        Assert.DoesNotContain(_rig.Updates.For(command.TaskId), u => u.State == TaskState.Failed);
    }

    [Fact]
    public async Task Should_make_a_secret_an_earlier_delivery_left_without_an_owner_the_jobs()
    {
        // A worker of an earlier version created the Secret before the Job and died before the Job.
        var command = TrackerRig.Fresh(Commands.Build());
        var job = TrackerRig.JobName(command);
        await _rig.Client.CreateSecretAsync(Manifests.For(command).Secret!);
        _rig.Server.ResetRequests();

        await _rig.Executor(_builds).ExecuteAsync(command, CancellationToken.None);

        Assert.Equal(["create jobs 201", "create secrets 409", "patch secrets 200"], _rig.Server.Requests.Select(r => $"{r.Verb} {r.Resource} {r.StatusCode}"));
        var uid = _rig.Server.GetObject("jobs", Ns, job)!["metadata"]!["uid"]!.GetValue<string>();
        Assert.Equal(uid, _rig.Server.GetObject("secrets", Ns, job)!["metadata"]!["ownerReferences"]![0]!["uid"]!.GetValue<string>());
    }

    [Fact]
    public async Task Should_leave_no_secret_when_its_job_is_deleted_before_the_secret_is_created()
    {
        var command = TrackerRig.Fresh(Commands.Build());
        var job = TrackerRig.JobName(command);
        var executor = ExecutorOver(AfterJobCreated.Around(_rig.Client, (api, created) => api.DeleteJobAsync(Ns, created.Metadata.Name)));

        await executor.ExecuteAsync(command, CancellationToken.None);

        // Created owned by a Job that is gone: the garbage collector deletes it, as a real one does.
        Assert.Contains(_rig.Server.Requests, r => r is { Verb: "create", Resource: "secrets", StatusCode: 201 } && r.Name == job);
        await _rig.Server.WaitForDeletionAsync("secrets", Ns, job);
    }

    [Fact]
    public async Task Should_wait_for_its_own_secret_past_the_grace_period_until_the_command_comes_again()
    {
        _rig.Options.ImagePullGrace = TimeSpan.FromMilliseconds(200);
        await _rig.StartTrackerAsync(_builds);
        var command = TrackerRig.Fresh(Commands.Build());
        var job = TrackerRig.JobName(command);
        // The worker dies (or the broker goes away) between the Job and its Secret.
        var dying = ExecutorOver(AfterJobCreated.Around(_rig.Client, (_, _) => throw new IOException("the worker died")));
        await Assert.ThrowsAsync<IOException>(() => dying.ExecuteAsync(command, CancellationToken.None));
        await Eventually.UntilAsync(
            () => Task.FromResult(_rig.Server.GetJobPods(Ns, job).SingleOrDefault()?["status"]?["containerStatuses"]?[0]?["state"]?["waiting"]?["reason"]?.GetValue<string>()),
            reason => reason == "CreateContainerConfigError", TimeSpan.FromSeconds(20), "the pod waits for its Secret");
        // A witness started later, whose pod waits for a Secret nobody creates, fails once the grace period passed.
        var witness = TrackerRig.Fresh(Commands.Build(("REGISTRY_SECRET", "quay-credentials")));
        await _rig.Executor(_builds).ExecuteAsync(witness, CancellationToken.None);
        Assert.Equal(TaskFailureReasons.FailedMount, (await _rig.Updates.WaitForAsync(witness.TaskId, u => TrackerRig.IsTerminal(u.State))).Reason);
        await _rig.FenceAsync(_builds);
        Assert.Empty(_rig.Updates.Terminal(command.TaskId));

        // The command comes back, later than the grace period: the Secret is made and the task runs.
        await _rig.Executor(_builds).ExecuteAsync(command, CancellationToken.None);
        await _rig.Server.CompletePodAsync(Ns, job, exitCode: 0, terminationMessage: Digest);
        var succeeded = await _rig.Updates.WaitForAsync(command.TaskId, u => TrackerRig.IsTerminal(u.State));
        await _rig.FenceAsync(_builds);

        Assert.Equal(TaskState.Succeeded, succeeded.State);
        Assert.Single(_rig.Updates.Terminal(command.TaskId));
        Assert.DoesNotContain(_rig.Updates.For(command.TaskId), u => u.Reason == "CreateContainerConfigError");
        Assert.Null(_rig.Server.GetObject("jobs", Ns, job)!["metadata"]!["annotations"]![TaskLabels.FailedReason]);
    }

    [Fact]
    public async Task Should_not_fail_a_redelivered_task_whose_secret_the_worker_may_not_patch()
    {
        var command = TrackerRig.Fresh(Commands.Build());
        var job = TrackerRig.JobName(command);
        await _rig.Executor(_builds).ExecuteAsync(command, CancellationToken.None);
        // A Role without patch on Secrets: the redelivered command's patch of the existing Secret is refused.
        _rig.Server.InjectFaults(1, 403, pathContains: $"/secrets/{job}");

        await _rig.Executor(_builds).ExecuteAsync(command, CancellationToken.None);

        Assert.Contains(_rig.Server.Requests, r => r is { Verb: "patch", Resource: "secrets", StatusCode: 403 } && r.Name == job);
        Assert.Empty(_rig.Updates.Terminal(command.TaskId));
        Assert.Null(_rig.Server.GetObject("jobs", Ns, job)!["metadata"]!["annotations"]![TaskLabels.FailedReason]);
        var uid = _rig.Server.GetObject("jobs", Ns, job)!["metadata"]!["uid"]!.GetValue<string>();
        Assert.Equal(uid, _rig.Server.GetObject("secrets", Ns, job)!["metadata"]!["ownerReferences"]![0]!["uid"]!.GetValue<string>());
    }

    [Fact]
    public async Task Should_fail_the_task_and_keep_its_job_as_the_attempts_tombstone_when_its_secret_is_refused()
    {
        await _rig.StartTrackerAsync(_builds);
        var command = TrackerRig.Fresh(Commands.Build());
        var job = TrackerRig.JobName(command);
        _rig.Server.InjectFaults(1, 403, pathContains: "/secrets");

        await _rig.Executor(_builds).ExecuteAsync(command, CancellationToken.None);
        var failed = await _rig.Updates.WaitForAsync(command.TaskId, u => TrackerRig.IsTerminal(u.State));
        var ended = await _rig.Server.WaitForObjectAsync("jobs", Ns, job, j => j["status"]?["conditions"]?.AsArray().Any(c => c?["type"]?.GetValue<string>() == "Failed") == true);
        // Delivered again: the tombstone is adopted, nothing runs and no Secret is made.
        await _rig.Executor(_builds).ExecuteAsync(command, CancellationToken.None);
        await _rig.FenceAsync(_builds);

        Assert.Equal((TaskState.Failed, "Forbidden"), (failed.State, failed.Reason));
        Assert.Contains($"may not create the task's Secret or ConfigMap in namespace '{Ns}'", failed.Message, StringComparison.Ordinal);
        Assert.Equal("Forbidden", ended["metadata"]!["annotations"]![TaskLabels.FailedReason]!.GetValue<string>());
        Assert.Null(_rig.Server.GetObject("secrets", Ns, job));
        // The executor's report and the tracker's (read from the tombstone) are one outcome, under one MessageId.
        Assert.All(_rig.Updates.Terminal(command.TaskId), u => Assert.Equal((TaskState.Failed, "Forbidden"), (u.State, u.Reason)));
        Assert.Equal([201, 409], _rig.Server.Requests.Where(r => r is { Verb: "create", Resource: "jobs" } && r.Name == job).Select(r => r.StatusCode));
    }

    [Fact]
    public async Task Should_not_run_an_attempt_again_when_its_command_comes_back_after_its_pod_could_not_start()
    {
        _rig.Options.ImagePullGrace = TimeSpan.FromMilliseconds(300);
        var tracker = await _rig.StartTrackerAsync(_builds);
        var command = TrackerRig.Fresh(Commands.Build());
        var job = TrackerRig.JobName(command);
        await _rig.Executor(_builds).ExecuteAsync(command, CancellationToken.None);
        await _rig.Server.SetPodWaitingAsync(Ns, job, "ImagePullBackOff", "Back-off pulling image \"registry.example.com/shop/app:1.4.0\"");
        var failed = await _rig.Updates.WaitForAsync(command.TaskId, u => TrackerRig.IsTerminal(u.State));
        Assert.Equal((TaskState.Failed, "ImagePullBackOff"), (failed.State, failed.Reason));
        // The Job is ended (its pod stopped) but kept, with the outcome: the attempt's tombstone.
        var ended = await _rig.Server.WaitForObjectAsync("jobs", Ns, job, j => j["status"]?["conditions"]?.AsArray().Any(c => c?["type"]?.GetValue<string>() == "Failed") == true);
        Assert.Equal("ImagePullBackOff", ended["metadata"]!["annotations"]![TaskLabels.FailedReason]!.GetValue<string>());

        // The broker hands the command out again (it was never acknowledged), and later another
        // replica takes over tracking: neither runs the attempt again or reports a second outcome.
        await _rig.Executor(_builds).ExecuteAsync(command, CancellationToken.None);
        await _rig.StopTrackerAsync(tracker);
        await _rig.StartTrackerAsync(_builds);
        await _rig.FenceAsync(_builds);

        Assert.Equal([201, 409], Creates("jobs").Take(2));
        // Its one pod was stopped (and, as on a real cluster, deleted by the Job controller); no other came.
        Assert.Single(_rig.Server.Events, e => e is { Resource: "pods", Type: "ADDED" } && e.Name.StartsWith(job + "-", StringComparison.Ordinal));
        Assert.DoesNotContain(_rig.Server.GetJobPods(Ns, job), p => p["status"]!["phase"]!.GetValue<string>() is not "Failed");
        Assert.Single(_rig.Updates.Terminal(command.TaskId));
        Assert.DoesNotContain(_rig.Updates.For(command.TaskId), u => u.State is TaskState.Running or TaskState.Succeeded);
    }

    [Fact]
    public async Task Should_fail_a_task_whose_volume_names_a_secret_that_does_not_exist_once_the_grace_period_passed()
    {
        _rig.Options.ImagePullGrace = TimeSpan.FromMilliseconds(300);
        await _rig.StartTrackerAsync(_builds);
        var command = TrackerRig.Fresh(Commands.Build(("REGISTRY_SECRET", "quay-credentials")));
        var job = TrackerRig.JobName(command);

        await _rig.Executor(_builds).ExecuteAsync(command, CancellationToken.None);
        var failed = await _rig.Updates.WaitForAsync(command.TaskId, u => TrackerRig.IsTerminal(u.State));
        await _rig.FenceAsync(_builds);

        Assert.Equal((TaskState.Failed, TaskFailureReasons.FailedMount), (failed.State, failed.Reason));
        Assert.Contains("Volume \"registry-credentials\" mounts Secret \"quay-credentials\", which does not exist in namespace mflow-tasks", failed.Message, StringComparison.Ordinal);
        Assert.True(TaskFailureReasons.IsPermanent(failed.Reason));
        Assert.Single(_rig.Updates.Terminal(command.TaskId));
        Assert.Equal(TaskFailureReasons.FailedMount, _rig.Server.GetObject("jobs", Ns, job)!["metadata"]!["annotations"]![TaskLabels.FailedReason]!.GetValue<string>());
    }

    [Fact]
    public async Task Should_report_the_outcome_a_tombstone_holds_when_no_report_of_it_arrived()
    {
        // The tracker that ended the Job died before its report went out: the next one reports it from the Job.
        var command = TrackerRig.Fresh(Commands.Build());
        var job = TrackerRig.JobName(command);
        await _rig.Executor(_builds).ExecuteAsync(command, CancellationToken.None);
        await _rig.Client.EndJobAsync(Ns, job, new Dictionary<string, string> { [TaskLabels.FailedReason] = "ImagePullBackOff", [TaskLabels.FailedMessage] = "Container main: ImagePullBackOff: Back-off pulling image" });

        await _rig.StartTrackerAsync(_builds);
        var failed = await _rig.Updates.WaitForAsync(command.TaskId, u => TrackerRig.IsTerminal(u.State));
        await _rig.FenceAsync(_builds);

        Assert.Equal((TaskState.Failed, "ImagePullBackOff", "Container main: ImagePullBackOff: Back-off pulling image"), (failed.State, failed.Reason, failed.Message));
        Assert.Single(_rig.Updates.Terminal(command.TaskId));
    }

    [Fact]
    public async Task Should_create_the_playbook_config_map_and_extra_vars_secret_owned_by_the_job()
    {
        var vms = new AnsibleJobBuilder();
        await _rig.StartTrackerAsync(vms);
        var command = TrackerRig.Fresh(Commands.Vm(("VERSION", "1.4.0")));
        var job = TrackerRig.JobName(command);

        await _rig.Executor(vms).ExecuteAsync(command, CancellationToken.None);
        await _rig.Server.CompletePodAsync(Ns, job, exitCode: 0, log: "PLAY RECAP\n");
        var succeeded = await _rig.Updates.WaitForAsync(command.TaskId, u => TrackerRig.IsTerminal(u.State));

        Assert.Equal(TaskState.Succeeded, succeeded.State);
        var uid = _rig.Server.GetObject("jobs", Ns, job)!["metadata"]!["uid"]!.GetValue<string>();
        foreach (var resource in new[] { "configmaps", "secrets" })
            Assert.Equal(uid, _rig.Server.GetObject(resource, Ns, job)!["metadata"]!["ownerReferences"]![0]!["uid"]!.GetValue<string>());

        await _rig.Client.DeleteJobAsync(Ns, job);
        await _rig.Server.WaitForDeletionAsync("configmaps", Ns, job);
        await _rig.Server.WaitForDeletionAsync("secrets", Ns, job);
    }

    KubernetesJobExecutor ExecutorOver(MFlow.Kubernetes.IKubernetesApi api) =>
        new(api, _builds, _rig.Options, _rig.Reporter, _rig.Cancellations, _rig.Cap(_builds, maxRunningJobs: 0, TimeSpan.FromMinutes(10)), NullLogger<KubernetesJobExecutor>.Instance);

    int JobLists() => _rig.Server.Requests.Count(r => r is { Verb: "list", Resource: "jobs" });

    IReadOnlyList<int> Creates(string resource) =>
        _rig.Server.Requests.Where(r => r.Verb == "create" && r.Resource == resource).Select(r => r.StatusCode).ToList();

    static CancelTask Cancel(RunTaskCommand command, string reason) => new()
    {
        RunId = command.RunId,
        TaskId = command.TaskId,
        TaskName = command.TaskName,
        Kind = command.Kind,
        Attempt = command.Attempt,
        Reason = reason,
    };
}
