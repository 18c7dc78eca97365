using System.Diagnostics;
using System.Text;
using MFlow.Contracts;
using MFlow.Scheduler.Definitions;
using MFlow.Scheduler.Params;
using MFlow.Scheduler.Pipelines;
using MFlow.Scheduler.Runs;

namespace MFlow.Scheduler.Tests.Runs;

public sealed class When_a_plan_would_amplify_its_document
{
    static readonly Guid RunId = Guid.Parse("0f8e2a9c-0000-4000-8000-000000000002");

    // The reproduction (one large pipeline param copied into 100 x 100 tasks), with the
    // largest value a param may have: 60 KB would become 600 MB of plan.
    static PipelineDocument Amplifying(int valueLength, int stages = 100, int tasks = 100)
    {
        var text = new StringBuilder($"name: amplify\nparams: {{BIG: {new string('x', valueLength)}}}\nstages:\n");
        for (var s = 0; s < stages; s++)
        {
            text.Append($"  - name: s{s}\n    tasks:\n");
            for (var t = 0; t < tasks; t++)
                text.Append($"      - {{name: t{s}-{t}, kind: build}}\n");
        }

        var pipeline = PipelineDocumentParser.ParsePipeline(text.ToString());
        PipelineValidator.Validate(pipeline);
        return pipeline;
    }

    [Fact]
    public void Should_refuse_the_plan_naming_the_value_before_encrypting_anything()
    {
        const int valueLength = 60 * 1024;
        var pipeline = Amplifying(valueLength);
        var tasksUntilOver = (int)(PlanBudget.DefaultLimitChars / ("BIG".Length + valueLength)) + 1;
        var encrypted = 0;
        var watch = Stopwatch.StartNew();

        var refused = Assert.Throws<PipelineValidationException>(() => RunPlanner.Plan(RunId, new RunRequest { Pipeline = pipeline },
            new Dictionary<string, ResolvedJob>(), new HashSet<string>(), value => { encrypted++; return value; }));

        var message = Assert.Single(refused.Errors["plan"]);
        Assert.StartsWith($"The run's plan would hold more than {PlanBudget.DefaultLimitChars} characters of params and containers (reached after {tasksUntilOver} of 10000 tasks)", message);
        Assert.EndsWith($"The largest value is BIG ({valueLength} characters).", message);
        Assert.Equal(0, encrypted);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), watch.Elapsed.ToString());
    }

    [Fact]
    public void Should_plan_a_large_pipeline_within_the_budget()
    {
        var plan = RunPlanner.Plan(RunId, new RunRequest { Pipeline = Amplifying(100) }, new Dictionary<string, ResolvedJob>(), new HashSet<string>(), value => value);

        Assert.Equal(10_000, plan.Stages.Sum(s => s.Tasks.Count));
    }
}
