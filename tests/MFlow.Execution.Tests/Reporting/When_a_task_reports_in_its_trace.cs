using System.Diagnostics;
using MFlow.Contracts;
using MFlow.Execution.Reporting;
using MFlow.Execution.Tests.Support;
using MFlow.ServiceDefaults.Telemetry;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace MFlow.Execution.Tests.Reporting;

/// <summary>
/// A Job's progress is reported by its tracker, long after (and maybe in another replica than) the
/// command that launched it: the report still belongs to the run's trace, through the traceparent
/// the task was launched in.
/// </summary>
public sealed class When_a_task_reports_in_its_trace : IDisposable
{
    readonly ActivityListener _listener = new()
    {
        ShouldListenTo = source => source.Name == MFlowTelemetry.SourceName,
        Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
    };

    public When_a_task_reports_in_its_trace() => ActivitySource.AddActivityListener(_listener);

    public void Dispose() => _listener.Dispose();

    [Fact]
    public async Task Should_publish_the_update_as_a_child_of_the_span_the_task_was_launched_in()
    {
        const string launchedIn = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        var (bus, recorder) = RecordingBus.Create();
        var reporter = new TaskReporter(bus, Options.Create(new WorkerOptions { InstanceId = "w" }), NullLogger<TaskReporter>.Instance);
        var task = new TaskRef(Guid.NewGuid(), Guid.NewGuid(), "compile", JobKind.Build, 1) { TraceParent = launchedIn };

        Assert.Null(Activity.Current); // as in a tracker's watch loop
        await reporter.ReportAsync(task, new TaskReport(TaskState.Running), CancellationToken.None);

        var span = recorder.SpanOf(Assert.Single(recorder.Published<TaskUpdated>()));
        Assert.Equal("4bf92f3577b34da6a3ce929d0e0e4736", span.TraceId.ToHexString());
        Assert.Null(Activity.Current);
    }

    [Fact]
    public async Task Should_stay_in_the_current_span_when_it_already_belongs_to_that_trace()
    {
        var (bus, recorder) = RecordingBus.Create();
        var reporter = new TaskReporter(bus, Options.Create(new WorkerOptions { InstanceId = "w" }), NullLogger<TaskReporter>.Instance);
        using var execute = MFlowTelemetry.Source.StartActivity("task execute build")!;
        var task = TaskRef.Of(new RunBuildTask { RunId = Guid.NewGuid(), TaskId = Guid.NewGuid(), TaskName = "compile", Attempt = 1 });

        await reporter.ReportAsync(task, new TaskReport(TaskState.Running), CancellationToken.None);

        Assert.Equal(execute.Id, task.TraceParent);
        Assert.Equal(execute.Context, recorder.SpanOf(Assert.Single(recorder.Published<TaskUpdated>())));
    }
}
