using k8s.Models;
using MFlow.Contracts;
using MFlow.Execution.Kubernetes;
using MFlow.Workers.Tests.Support;

namespace MFlow.Workers.Tests.Status;

/// <summary>The one function from a Job and its latest pod to a task state, as a table.</summary>
public class When_mapping_job_status
{
    static readonly DateTime Started = new(2025, 11, 21, 10, 0, 0, DateTimeKind.Utc);
    static readonly DateTime Finished = Started.AddMinutes(3);

    public static TheoryData<string, V1Job, V1Pod?, TaskState, string?, string?, int?> Table() => new()
    {
        // case, job, pod, state, reason, message contains, exit code
        { "just created, no pod yet", NewJob(), null, TaskState.Pending, null, null, null },
        { "pod scheduled, containers being created", NewJob(), NewPod(PodPhase.Pending, main: Waiting("ContainerCreating")), TaskState.Pending, null, null, null },
        { "image cannot be pulled", NewJob(), NewPod(PodPhase.Pending, main: Waiting("ImagePullBackOff", "Back-off pulling image \"registry.example.com/shop:nope\"")), TaskState.Pending, "ImagePullBackOff", "Back-off pulling image", null },
        { "init container image cannot be pulled", NewJob(), NewPod(PodPhase.Pending, init: Waiting("ErrImagePull", "manifest unknown"), main: Waiting("PodInitializing")), TaskState.Pending, "ErrImagePull", "manifest unknown", null },
        { "a V1Secret to mount is missing", NewJob(), NewPod(PodPhase.Pending, main: Waiting("CreateContainerConfigError", "secret \"kaniko-secret\" not found")), TaskState.Pending, "CreateContainerConfigError", "kaniko-secret", null },
        { "running", NewJob(), NewPod(PodPhase.Running, main: Running()), TaskState.Running, null, null, null },
        { "a try failed, the V1Job retries", NewJob(failed: 1), NewPod(PodPhase.Failed, main: Terminated(1)), TaskState.Running, null, null, null },
        { "ready, pod not seen", NewJob(ready: 1), null, TaskState.Running, null, null, null },
        // Kubernetes 1.31+ writes the target condition first and the final one only after the pods terminated: not final yet.
        { "failure decided, pod still terminating", NewJob(Condition("FailureTarget", "DeadlineExceeded"), deadline: 600), NewPod(PodPhase.Running, main: Running()), TaskState.Running, null, null, null },
        { "failure decided, pod killed", NewJob(Condition("FailureTarget", "DeadlineExceeded"), failed: 1, deadline: 600), NewPod(PodPhase.Failed, main: Terminated(137)), TaskState.Running, null, null, null },
        { "failure decided by the backoff limit", NewJob(Condition("FailureTarget", "BackoffLimitExceeded"), failed: 1, backoffLimit: 0), NewPod(PodPhase.Failed, main: Terminated(2)), TaskState.Running, null, null, null },
        { "success criteria met, not complete yet", NewJob(Condition("SuccessCriteriaMet", "CompletionsReached")), NewPod(PodPhase.Succeeded, main: Terminated(0)), TaskState.Running, null, null, null },
        { "complete", NewJob(Condition("Complete", "CompletionsReached")), NewPod(PodPhase.Succeeded, main: Terminated(0, "sha256:abc")), TaskState.Succeeded, null, "Completed", 0 },
        { "failed past the backoff limit", NewJob(Condition("Failed", "BackoffLimitExceeded"), failed: 3, backoffLimit: 2), NewPod(PodPhase.Failed, main: Terminated(137)), TaskState.Failed, "BackoffLimitExceeded", "failed 3 times; its retry budget (backoffLimit 2) is spent; the last try exited with code 137", 137 },
        { "deadline exceeded", NewJob(Condition("Failed", "DeadlineExceeded"), deadline: 600), NewPod(PodPhase.Running, main: Running()), TaskState.Failed, "DeadlineExceeded", "ran longer than its 600 s deadline", null },
        { "failed by a FailJob rule (a non-retryable exit code)", NewJob(Condition("Failed", "PodFailurePolicy", "Container main for pod x failed with exit code 42 matching FailJob rule at index 1")), NewPod(PodPhase.Failed, main: Terminated(42)), TaskState.Failed, "NonRetryableExitCode", "exited with code 42, which its job names as non-retryable", 42 },
        { "failed for another reason", NewJob(Condition("Failed", "Evicted", "The Job failed.")), NewPod(PodPhase.Failed, main: Terminated(137)), TaskState.Failed, "Evicted", "The Job failed.", 137 },
    };

    [Theory]
    [MemberData(nameof(Table))]
    public void Should_map_job_and_pod_to_the_task_state(string @case, V1Job job, V1Pod? pod, TaskState state, string? reason, string? message, int? exitCode)
    {
        var observed = TaskStatusMapper.Map(job, pod);

        Assert.True(state == observed.State, $"{@case}: expected {state}, got {observed}");
        Assert.Equal(reason, observed.Reason);
        if (message is not null)
            Assert.Contains(message, observed.Message, StringComparison.Ordinal);
        Assert.Equal(exitCode, observed.ExitCode);
    }

    [Fact]
    public void Should_take_exit_code_and_termination_message_from_the_main_container()
    {
        var job = NewJob(Condition("Complete", "CompletionsReached"));
        var pod = NewPod(PodPhase.Succeeded, main: Terminated(0, "sha256:" + new string('a', 64)));
        // A sidecar listed first must not be mistaken for the task.
        pod.Status!.ContainerStatuses!.Insert(0, new V1ContainerStatus { Name = "sidecar", State = Terminated(2, "not mine") });

        var observed = TaskStatusMapper.Map(job, pod);

        Assert.Equal(0, observed.ExitCode);
        Assert.Equal("sha256:" + new string('a', 64), observed.TerminationMessage);
        Assert.Equal(new DateTimeOffset(Started), observed.StartedAt);
        Assert.Equal(new DateTimeOffset(Finished), observed.FinishedAt);
        Assert.Equal("build-42-abcde", observed.PodName);
    }

    [Fact]
    public void Should_read_the_last_state_of_a_container_that_restarted()
    {
        var pod = NewPod(PodPhase.Failed, main: Waiting("CrashLoopBackOff"));
        pod.Status!.ContainerStatuses![0].LastState = Terminated(3, "boom");

        var observed = TaskStatusMapper.Map(NewJob(Condition("Failed", "BackoffLimitExceeded"), failed: 1, backoffLimit: 0), pod);

        Assert.Equal((TaskState.Failed, 3, "boom"), (observed.State, observed.ExitCode, observed.TerminationMessage));
    }

    [Fact]
    public void Should_wait_for_the_pods_final_state_before_calling_a_finished_job_settled()
    {
        var job = NewJob(Condition("Complete", "CompletionsReached"));

        Assert.False(TaskStatusMapper.Map(job, NewPod(PodPhase.Running, main: Running())).PodSettled);
        Assert.True(TaskStatusMapper.Map(job, NewPod(PodPhase.Succeeded, main: Terminated(0))).PodSettled);
        // Not seen yet is not settled: the pod watch may lag the Job watch, and the outputs are the pod's.
        Assert.False(TaskStatusMapper.Map(job, null).PodSettled);
        Assert.False(TaskStatusMapper.Map(NewJob(Condition("Failed", "BackoffLimitExceeded"), failed: 3), null).PodSettled);
    }

    [Fact]
    public void Should_not_wait_for_a_pod_the_deadline_killed()
    {
        var observed = TaskStatusMapper.Map(NewJob(Condition("Failed", "DeadlineExceeded"), deadline: 60), NewPod(PodPhase.Running, main: Running()));

        Assert.True(observed.PodSettled);
        Assert.True(observed.IsTerminal);
    }

    [Fact]
    public void Should_ignore_a_condition_that_is_not_true()
    {
        var job = NewJob(new V1JobCondition { Type = "Failed", Status = "False", Reason = "BackoffLimitExceeded" });

        Assert.Equal(TaskState.Running, TaskStatusMapper.Map(job, NewPod(PodPhase.Running, main: Running())).State);
    }

    [Theory]
    [InlineData("ImagePullBackOff", false)]
    [InlineData("ErrImagePull", false)]
    [InlineData("InvalidImageName", true)]
    [InlineData("CreateContainerConfigError", false)]
    public void Should_tell_a_pod_that_will_never_start_and_whether_it_fails_at_once(string reason, bool atOnce)
    {
        var stuck = TaskStatusMapper.Stuck(NewPod(PodPhase.Pending, main: Waiting(reason, "secret \"registry\" not found")));

        Assert.NotNull(stuck);
        Assert.Equal((reason, atOnce), (stuck.Value.Reason, stuck.Value.AtOnce));
        Assert.Contains("secret \"registry\" not found", stuck.Value.Message);
        Assert.True(TaskFailureReasons.IsPermanent(reason));
    }

    [Fact]
    public void Should_neither_show_nor_fail_a_wait_for_the_tasks_own_secret_which_comes_right_after_its_job()
    {
        var job = NewJob();
        var own = NewPod(PodPhase.Pending, main: Waiting("CreateContainerConfigError", $"secrets \"{job.Metadata.Name}\" not found"));
        own.Metadata.Labels = new Dictionary<string, string> { ["batch.kubernetes.io/job-name"] = job.Metadata.Name };

        Assert.Equal((TaskState.Pending, (string?)null), (TaskStatusMapper.Map(job, own).State, TaskStatusMapper.Map(job, own).Reason));
        // Nor failed for after the grace period: it comes with the command's next delivery, however late.
        Assert.Null(TaskStatusMapper.Stuck(own));
        // Another Secret the task names is the task's to show.
        var other = NewPod(PodPhase.Pending, main: Waiting("CreateContainerConfigError", $"secrets \"{job.Metadata.Name}-creds\" not found"));
        Assert.Equal("CreateContainerConfigError", TaskStatusMapper.Map(job, other).Reason);
    }

    [Fact]
    public void Should_not_call_a_pod_stuck_while_its_container_is_being_created_or_runs()
    {
        Assert.Null(TaskStatusMapper.Stuck(NewPod(PodPhase.Pending, main: Waiting("ContainerCreating"))));
        Assert.Null(TaskStatusMapper.Stuck(NewPod(PodPhase.Running, main: Running())));
        Assert.Null(TaskStatusMapper.Stuck(null));
    }

    static V1Job NewJob(V1JobCondition? condition = null, int? failed = null, int? ready = null, int backoffLimit = 2, long deadline = 1800)
    {
        var job = Manifests.JobFor(Commands.Build() with { BackoffLimit = backoffLimit, TimeoutSeconds = (int)deadline });
        job.Status = new V1JobStatus
        {
            StartTime = Started,
            Failed = failed,
            Ready = ready,
            CompletionTime = condition?.Type == "Complete" ? Finished : null,
            Conditions = condition is null ? null : [condition],
        };
        return job;
    }

    static V1JobCondition Condition(string type, string reason, string? message = null) =>
        new() { Type = type, Status = "True", Reason = reason, Message = message, LastTransitionTime = Finished };

    static V1Pod NewPod(string phase, V1ContainerState main, V1ContainerState? init = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = "build-42-abcde", NamespaceProperty = Manifests.Namespace },
        Status = new V1PodStatus
        {
            Phase = phase,
            StartTime = Started,
            InitContainerStatuses = init is null ? null : [new V1ContainerStatus { Name = "clone", State = init }],
            ContainerStatuses = [new V1ContainerStatus { Name = "kaniko", State = main }],
        },
    };

    static V1ContainerState Waiting(string reason, string? message = null) => new() { Waiting = new V1ContainerStateWaiting { Reason = reason, Message = message } };

    static V1ContainerState Running() => new() { Running = new V1ContainerStateRunning { StartedAt = Started } };

    static V1ContainerState Terminated(int exitCode, string? message = null) => new()
    {
        Terminated = new V1ContainerStateTerminated { ExitCode = exitCode, Message = message, Reason = exitCode == 0 ? "Completed" : "Error", StartedAt = Started, FinishedAt = Finished },
    };

    static class PodPhase
    {
        public const string Pending = "Pending";
        public const string Running = "Running";
        public const string Succeeded = "Succeeded";
        public const string Failed = "Failed";
    }
}
