using MFlow.Contracts;
using MFlow.Scheduler.Params;
using MFlow.Scheduler.Pipelines;
using MFlow.Scheduler.Runs;

namespace MFlow.Scheduler.Tests.Runs;

/// <summary>Issue 13: a task's retries are MFlow attempts, waiting a backoff the task may set.</summary>
public sealed class When_a_task_declares_retries
{
    static PipelineDocument Pipeline(string taskFields) => PipelineDocumentParser.ParsePipeline(
        "name: retrying\nstages:\n  - name: test\n    tasks:\n      - name: flaky\n        kind: build\n        container: {image: a, command: [b]}\n" + taskFields);

    static IReadOnlyDictionary<string, string[]> Errors(string taskFields)
    {
        try
        {
            PipelineValidator.Validate(Pipeline(taskFields));
            return new Dictionary<string, string[]>();
        }
        catch (PipelineValidationException ex)
        {
            return ex.Errors;
        }
    }

    static PlanTask Planned(string taskFields) =>
        RunPlanner.Plan(Guid.NewGuid(), new RunRequest { Pipeline = Pipeline(taskFields) }, new Dictionary<string, ResolvedJob>(), new HashSet<string>(), v => v)
            .Stages[0].Tasks[0];

    [Fact]
    public void Should_plan_each_retry_as_an_attempt_with_the_backoff_written()
    {
        var task = Planned("        retries: 2\n        retryBackoff: { delay: 30s, factor: 3, maxDelay: 2m }\n");

        Assert.Equal(2, task.Retries);
        Assert.Equal(0, task.BackoffLimit);
        Assert.Equal(new RetryBackoff { DelaySeconds = 30, Factor = 3, MaxDelaySeconds = 120 }, task.RetryBackoff);
    }

    [Fact]
    public void Should_fill_in_the_fields_a_backoff_leaves_out()
    {
        Assert.Equal(new RetryBackoff { DelaySeconds = 1, Factor = 2, MaxDelaySeconds = 300 }, Planned("        retries: 1\n        retryBackoff: { delay: 1s }\n").RetryBackoff);
        Assert.Equal(new RetryBackoff { DelaySeconds = 600, Factor = 1, MaxDelaySeconds = 600 }, Planned("        retries: 1\n        retryBackoff: { delay: 10m, factor: 1 }\n").RetryBackoff);
    }

    [Fact]
    public void Should_wait_longer_for_each_retry_up_to_the_longest_wait()
    {
        var backoff = new RetryBackoff { DelaySeconds = 10, Factor = 2, MaxDelaySeconds = 300 };

        Assert.Equal(
            [10, 20, 40, 80, 160, 300, 300],
            Enumerable.Range(1, 7).Select(retry => backoff.Before(retry).TotalSeconds));
        Assert.Equal(TimeSpan.FromSeconds(300), backoff.Before(5000));
        Assert.Equal(TimeSpan.FromSeconds(10), RetryBackoff.Default.Before(1));
    }

    [Theory]
    [InlineData("        retryBackoff: { delay: soon }\n", "stages[0].tasks[0].retryBackoff.delay", "delay 'soon' is not a duration")]
    [InlineData("        retryBackoff: { delay: 2h }\n", "stages[0].tasks[0].retryBackoff.delay", "A retry waits at most 1h.")]
    [InlineData("        retryBackoff: { factor: 0.5 }\n", "stages[0].tasks[0].retryBackoff.factor", "The factor must be from 1 to 10.")]
    [InlineData("        retryBackoff: { delay: 1m, maxDelay: 30s }\n", "stages[0].tasks[0].retryBackoff.maxDelay", "maxDelay (30s) is shorter than delay (1m).")]
    public void Should_name_the_field_of_a_backoff_that_cannot_be(string fields, string field, string message)
    {
        var errors = Errors(fields);

        Assert.Equal([field], errors.Keys);
        Assert.StartsWith(message, errors[field][0]);
    }

    [Fact]
    public void Should_not_retry_a_failure_another_attempt_cannot_cure()
    {
        Assert.True(TaskFailureReasons.IsPermanent("ImagePullBackOff"));
        Assert.True(TaskFailureReasons.IsPermanent("DeadlineExceeded"));
        Assert.True(TaskFailureReasons.IsPermanent("Cancelled"));
        Assert.False(TaskFailureReasons.IsPermanent("BackoffLimitExceeded"));
        Assert.False(TaskFailureReasons.IsPermanent("Error"));
        Assert.False(TaskFailureReasons.IsPermanent(null));
    }
}
