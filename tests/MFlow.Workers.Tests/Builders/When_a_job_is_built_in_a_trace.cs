using System.Diagnostics;
using MFlow.Contracts;
using MFlow.Execution.Kubernetes;
using MFlow.Workers.Tests.Support;

namespace MFlow.Workers.Tests.Builders;

/// <summary>
/// A Job is created in its run's trace: every container gets TRACEPARENT (W3C) so the task's own
/// tooling can join the trace, and the Job carries it so its tracker reports in the same trace.
/// </summary>
public sealed class When_a_job_is_built_in_a_trace : IDisposable
{
    const string WorkerSource = "MFlow.Workers.Tests.Trace";
    static readonly ActivitySource Worker = new(WorkerSource);

    readonly ActivityListener _listener = new()
    {
        // By name: comparing with Worker here would create it while the listener is being added, unheard.
        ShouldListenTo = source => source.Name == WorkerSource,
        Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
    };

    public When_a_job_is_built_in_a_trace() => ActivitySource.AddActivityListener(_listener);

    public void Dispose() => _listener.Dispose();

    public static TheoryData<string> Kinds => Commands.KindNames();

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Should_give_every_container_the_traceparent_of_the_span_it_was_created_in(string kind)
    {
        var command = Commands.ByName(kind);
        command = command with { Params = new Dictionary<string, string>(command.Params) { [SystemVariables.TraceParent] = "00-forged-forged-01" } };
        using var execute = Worker.StartActivity("task execute")!;

        var job = Manifests.JobFor(command);

        Assert.All(job.AllContainers(), container => Assert.Equal(execute.Id, container.Env(SystemVariables.TraceParent)));
        Assert.Equal(execute.Id, job.Metadata.Annotations![TaskLabels.TraceParent]);
        Assert.Equal(execute.Id, TaskLabels.TaskOf(job)!.TraceParent);
    }

    [Fact]
    public void Should_set_no_traceparent_outside_any_trace()
    {
        Assert.Null(Activity.Current);

        var job = Manifests.JobFor(Commands.Build());

        Assert.All(job.AllContainers(), container => Assert.DoesNotContain(container.Env ?? [], e => e.Name == SystemVariables.TraceParent));
        Assert.Null(TaskLabels.TaskOf(job)!.TraceParent);
    }
}
