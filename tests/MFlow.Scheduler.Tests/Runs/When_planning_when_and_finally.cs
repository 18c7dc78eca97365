using MFlow.Scheduler.Pipelines;
using MFlow.Scheduler.Runs;

namespace MFlow.Scheduler.Tests.Runs;

public sealed class When_planning_when_and_finally
{
    static readonly Guid RunId = Guid.Parse("0b8a3f8e-5d55-4f57-9b55-7a3f1d5e7c11");

    static RunPlan Plan(string yaml, Dictionary<string, string>? runParams = null)
    {
        var pipeline = PipelineDocumentParser.ParsePipeline(yaml);
        PipelineValidator.Validate(pipeline);
        return RunPlanner.Plan(RunId, new RunRequest { Pipeline = pipeline, Params = runParams ?? [] });
    }

    const string Pipeline = """
        name: p
        params: { TARGET: staging }
        stages:
          - name: build
            tasks:
              - { name: image, kind: build, container: { image: a, command: [make] } }
          - name: release
            when: [ { input: "$(params.TARGET)", operator: in, values: [production] } ]
            tasks:
              - name: ship
                kind: deploy
                params: { IMAGE: "$(tasks.image.outputs.IMAGE)" }
                when: [ { input: "$(tasks.image.outputs.CHANGED)", equals: "true" } ]
                container: { image: a, command: [make] }
        finally:
          - name: cleanup
            tasks:
              - { name: tidy, kind: deploy, allowFailure: true, params: { I: "$(tasks.ship.outputs.URL)" }, container: { image: a, command: [make] } }
        """;

    [Fact]
    public void Should_fill_in_params_keep_outputs_for_dispatch_and_append_the_finally_stages()
    {
        var plan = Plan(Pipeline, new() { ["TARGET"] = "production" });

        Assert.Equal(2, plan.FinallyStage);
        Assert.Equal([false, false, true], plan.Stages.Select(s => s.Finally));
        var stageCondition = Assert.Single(plan.Stages[1].When);
        Assert.Equal(("production", false), (stageCondition.Input, stageCondition.NotIn));
        Assert.Equal(["production"], stageCondition.Values);
        Assert.Equal("$(params.TARGET) in [production]", stageCondition.Written);
        Assert.Equal("$(tasks.image.outputs.CHANGED)", Assert.Single(plan.Stages[1].Tasks[0].When).Input);
        Assert.True(plan.Stages[2].Tasks[0].AllowFailure);
    }

    [Fact]
    public void Should_skip_by_conditions_and_by_outputs_of_tasks_that_did_not_run()
    {
        var plan = Plan(Pipeline);
        var ran = new Dictionary<string, IReadOnlyDictionary<string, string>> { ["image"] = new Dictionary<string, string> { ["IMAGE"] = "app:1", ["CHANGED"] = "true" } };

        var release = SkipDecision.For(plan, plan.Stages[1], plan.Stages[1].Tasks[0], ran);
        Assert.Equal(SkipDecision.WhenConditionsNotMet, release?.Reason);
        Assert.Contains("'$(params.TARGET) in [production]' does not hold", release?.Message);
        Assert.DoesNotContain("staging", release?.Message); // a param's value never shows

        var cleanup = SkipDecision.For(plan, plan.Stages[2], plan.Stages[2].Tasks[0], ran);
        Assert.Equal(SkipDecision.OutputsUnavailable, cleanup?.Reason);
        Assert.Contains("'ship'", cleanup?.Message);

        var production = Plan(Pipeline, new() { ["TARGET"] = "production" });
        Assert.Null(SkipDecision.For(production, production.Stages[1], production.Stages[1].Tasks[0], ran));
        var unchanged = new Dictionary<string, IReadOnlyDictionary<string, string>> { ["image"] = new Dictionary<string, string> { ["CHANGED"] = "false" } };
        Assert.Equal(SkipDecision.WhenConditionsNotMet, SkipDecision.For(production, production.Stages[1], production.Stages[1].Tasks[0], unchanged)?.Reason);
    }

    [Theory]
    [InlineData("when: [ { input: x, operator: equals, values: [x] } ]", "stages[0].tasks[0].when[0].operator")]
    [InlineData("when: [ { input: x } ]", "stages[0].tasks[0].when[0].operator")]
    [InlineData("when: [ { input: x, operator: in, values: [] } ]", "stages[0].tasks[0].when[0].values")]
    [InlineData("when: [ { input: x, equals: y, operator: in } ]", "stages[0].tasks[0].when[0].equals")]
    [InlineData("when: [ { input: \"$(tasks.t.outputs.X)\", equals: y } ]", "stages[0].tasks[0].when[0].input")]
    public void Should_refuse_a_malformed_condition_naming_its_field(string when, string field)
    {
        var pipeline = PipelineDocumentParser.ParsePipeline($$"""
            name: p
            stages:
              - name: s
                tasks:
                  - name: t
                    kind: build
                    container: { image: a, command: [make] }
                    {{when}}
            """);

        var refused = Assert.Throws<PipelineValidationException>(() => PipelineValidator.Validate(pipeline));

        Assert.Contains(field, refused.Errors.Keys);
    }

    [Fact]
    public void Should_refuse_a_condition_on_a_param_nobody_gives()
    {
        var refused = Assert.Throws<PipelineValidationException>(() => Plan(Pipeline.Replace("$(params.TARGET)", "$(params.REGION)")));

        Assert.Contains("stages[1].when[0].input", refused.Errors.Keys);
    }
}
