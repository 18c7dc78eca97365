using MFlow.Contracts;
using MFlow.Execution.Kubernetes;
using MFlow.Workers.Build.Jobs;
using MFlow.Workers.Tests.Support;

namespace MFlow.Workers.Tests.Tracking;

/// <summary>
/// A task on the kubernetes executor prints its sensitive values: the tracker, which may never have
/// seen them, masks them in the log it reports (and so in run events, the API and notifications),
/// reading them back from the task's Secret only for a task that has some.
/// </summary>
public sealed class When_a_tasks_log_holds_its_secrets : IAsyncLifetime
{
    const string Ns = TrackerRig.Namespace;
    const string Password = "hunter2-registry-ZQXJ9";

    readonly KanikoJobBuilder _builds = new();
    TrackerRig _rig = null!;

    public async Task InitializeAsync() => _rig = await TrackerRig.StartAsync();

    public async Task DisposeAsync() => await _rig.DisposeAsync();

    [Fact]
    public async Task Should_report_the_log_with_its_sensitive_values_and_token_masked()
    {
        await _rig.StartTrackerAsync(_builds);
        var plain = TrackerRig.Fresh(Commands.Build(("IMAGE", "registry.example.com/shop/app:1.4.0"))) with { BackoffLimit = 0 };
        var command = plain with { SecretValues = new Dictionary<string, string>(plain.SecretValues) { ["REGISTRY_PASSWORD"] = Password } };
        var token = command.SecretValues[SecretKeys.UpdateToken];
        var job = TrackerRig.JobName(command);

        await _rig.Executor(_builds).ExecuteAsync(command, CancellationToken.None);
        await _rig.Server.CompletePodAsync(Ns, job, exitCode: 3, log: $"login with {Password}\ntoken={token}\nerror: push denied\n");
        var failed = await _rig.Updates.WaitForAsync(command.TaskId, u => u.State == TaskState.Failed);

        Assert.Equal($"login with ***\ntoken=***\nerror: push denied\n", failed.Log);
        Assert.Contains("login with ***", failed.LogTail, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, failed.LogTail, StringComparison.Ordinal);
        Assert.DoesNotContain(token, failed.LogTail, StringComparison.Ordinal);
        // One read of the task's own Secret, when its Job ended.
        Assert.Single(_rig.Server.Requests, r => r is { Verb: "get", Resource: "secrets" } && r.Name == job);
    }

    [Fact]
    public async Task Should_mask_a_secret_the_log_limit_cut_through_and_read_no_secret_for_a_task_without_any()
    {
        await _rig.StartTrackerAsync(_builds);
        var plain = TrackerRig.Fresh(Commands.Build(("IMAGE", "registry.example.com/shop/app:1.4.0"))) with { BackoffLimit = 0 };
        var sensitive = TrackerRig.Fresh(plain) with { SecretValues = new Dictionary<string, string> { [SecretKeys.UpdateToken] = "t-" + Guid.NewGuid().ToString("N"), ["REGISTRY_PASSWORD"] = Password } };

        // The log is read up to TaskUpdated.MaxLogLength bytes from the start of its last lines: the
        // limit ends it in the middle of the password, whose first part must not be left readable.
        var filler = new string('x', TaskUpdated.MaxLogLength - "begin ".Length - 10);
        await _rig.Executor(_builds).ExecuteAsync(sensitive, CancellationToken.None);
        await _rig.Server.CompletePodAsync(Ns, TrackerRig.JobName(sensitive), exitCode: 1, log: $"ok\n{filler}\nbegin {Password} end\n");
        var cut = await _rig.Updates.WaitForAsync(sensitive.TaskId, u => u.State == TaskState.Failed);
        Assert.DoesNotContain(Password[..9], cut.Log, StringComparison.Ordinal);
        Assert.EndsWith(filler + "\n", cut.Log, StringComparison.Ordinal);
        Assert.True(cut.LogTruncated);

        var job = TrackerRig.JobName(plain);
        await _rig.Executor(_builds).ExecuteAsync(plain, CancellationToken.None);
        await _rig.Server.CompletePodAsync(Ns, job, exitCode: 0, log: "pushed\n", terminationMessage: "sha256:" + new string('0', 64));
        var succeeded = await _rig.Updates.WaitForAsync(plain.TaskId, u => u.State == TaskState.Succeeded);

        Assert.Equal("pushed\n", succeeded.Log);
        Assert.False(_rig.Server.GetObject("jobs", Ns, job)!["metadata"]!["annotations"]!.AsObject().ContainsKey(TaskLabels.MaskedSecret));
        // Issue 11's budget: the Job, its Secret (created owned by it), its log; no read of the Secret.
        var requests = _rig.Server.Requests.Where(r => r.Name is { } name && name.StartsWith(job, StringComparison.Ordinal) && r.Verb != "watch").ToList();
        Assert.DoesNotContain(requests, r => r is { Verb: "get", Resource: "secrets" });
        Assert.True(requests.Count <= 3, string.Join("\n", requests.Select(r => $"{r.Verb} {r.PathAndQuery}")));
    }
}
