using MFlow.Contracts;
using MFlow.Execution.Kubernetes;
using MFlow.Testing;
using MFlow.Workers.Build.Jobs;
using MFlow.Workers.Tests.Support;

namespace MFlow.Workers.Tests.Tracking;

/// <summary>
/// MFlow:Kubernetes:MaxRunningJobs: a command at the cap waits for a Job of its kind to end (counted
/// from the API server), gets its own Job at once when redelivered, goes back to its queue after its
/// hold, reports Cancelled without a Job when cancelled meanwhile, and without a cap costs no request.
/// </summary>
public sealed class When_a_kind_caps_its_running_jobs : IAsyncLifetime
{
    const string Ns = TrackerRig.Namespace;
    static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    readonly KanikoJobBuilder _builds = new();
    TrackerRig _rig = null!;

    public async Task InitializeAsync() => _rig = await TrackerRig.StartAsync();

    public async Task DisposeAsync() => await _rig.DisposeAsync();

    [Fact]
    public async Task Should_make_no_request_beyond_creating_the_tasks_objects_without_a_cap()
    {
        var command = TrackerRig.Fresh(Commands.Custom(Commands.Build()));

        await _rig.Executor(_builds).ExecuteAsync(command, CancellationToken.None);

        // The Job, then its Secret, created owned by it: no patch.
        Assert.Equal(["create jobs", "create secrets"], _rig.Server.Requests.Select(r => $"{r.Verb} {r.Resource}"));
    }

    [Fact]
    public async Task Should_create_the_job_of_a_waiting_command_once_a_job_of_its_kind_ends()
    {
        var cap = _rig.Cap(_builds, maxRunningJobs: 1, TimeSpan.FromMinutes(5));
        await _rig.StartTrackerAsync(_builds, cap);
        var first = TrackerRig.Fresh(Commands.Custom(Commands.Build())) with { TaskName = "first" };
        var second = TrackerRig.Fresh(Commands.Custom(Commands.Build())) with { TaskName = "second" };
        await _rig.Executor(_builds, cap).ExecuteAsync(first, CancellationToken.None);

        var waiting = _rig.Executor(_builds, cap).ExecuteAsync(second, CancellationToken.None);
        await Eventually.UntilAsync(() => Task.FromResult(JobLists()), lists => lists >= 3, Patience, "the second command counted the Jobs");
        Assert.False(waiting.IsCompleted);
        Assert.Null(_rig.Server.GetObject("jobs", Ns, TrackerRig.JobName(second)));

        await _rig.Server.CompletePodAsync(Ns, TrackerRig.JobName(first), exitCode: 0);
        await waiting.WaitAsync(Patience);
        Assert.NotNull(_rig.Server.GetObject("jobs", Ns, TrackerRig.JobName(second)));
        await _rig.Server.CompletePodAsync(Ns, TrackerRig.JobName(second), exitCode: 0);
        await _rig.Updates.WaitForAsync(second.TaskId, u => u.State == TaskState.Succeeded);
    }

    [Fact]
    public async Task Should_adopt_the_job_of_a_redelivered_command_at_the_cap()
    {
        var cap = _rig.Cap(_builds, maxRunningJobs: 1, TimeSpan.FromSeconds(2));
        var command = TrackerRig.Fresh(Commands.Custom(Commands.Build()));
        await _rig.Executor(_builds, cap).ExecuteAsync(command, CancellationToken.None);

        await _rig.Executor(_builds, cap).ExecuteAsync(command, CancellationToken.None).WaitAsync(Patience);

        Assert.Equal([201, 409], _rig.Server.Requests.Where(r => r is { Verb: "create", Resource: "jobs" }).Select(r => r.StatusCode));
    }

    [Fact]
    public async Task Should_give_the_command_back_when_no_slot_frees_within_its_hold()
    {
        var cap = _rig.Cap(_builds, maxRunningJobs: 1, TimeSpan.FromSeconds(2));
        await _rig.Executor(_builds, cap).ExecuteAsync(TrackerRig.Fresh(Commands.Custom(Commands.Build())), CancellationToken.None);
        var waiting = TrackerRig.Fresh(Commands.Custom(Commands.Build())) with { TaskName = "waits-in-vain" };

        var full = await Assert.ThrowsAsync<JobCapReachedException>(() => _rig.Executor(_builds, cap).ExecuteAsync(waiting, CancellationToken.None));

        Assert.Contains("MaxRunningJobs is 1", full.Message, StringComparison.Ordinal);
        Assert.Null(_rig.Server.GetObject("jobs", Ns, TrackerRig.JobName(waiting)));
    }

    [Fact]
    public async Task Should_report_a_task_cancelled_while_it_waits_without_creating_its_job()
    {
        var cap = _rig.Cap(_builds, maxRunningJobs: 1, TimeSpan.FromMinutes(5));
        await _rig.Executor(_builds, cap).ExecuteAsync(TrackerRig.Fresh(Commands.Custom(Commands.Build())), CancellationToken.None);
        var command = TrackerRig.Fresh(Commands.Custom(Commands.Build())) with { TaskName = "cancelled-while-waiting" };
        var waiting = _rig.Executor(_builds, cap).ExecuteAsync(command, CancellationToken.None);
        await Eventually.UntilAsync(() => Task.FromResult(JobLists()), lists => lists >= 2, Patience, "the command counted");

        await _rig.Executor(_builds, cap).CancelAsync(new CancelTask { RunId = command.RunId, TaskId = command.TaskId, TaskName = command.TaskName, Kind = command.Kind, Attempt = command.Attempt, Reason = "changed my mind" }, CancellationToken.None);
        await waiting.WaitAsync(Patience);

        var cancelled = await _rig.Updates.WaitForAsync(command.TaskId, u => u.State == TaskState.Cancelled);
        Assert.Equal("Cancelled: changed my mind", cancelled.Message);
        Assert.Null(_rig.Server.GetObject("jobs", Ns, TrackerRig.JobName(command)));
    }

    int JobLists() => _rig.Server.Requests.Count(r => r is { Verb: "list", Resource: "jobs" });
}
