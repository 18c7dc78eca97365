using MFlow.Contracts;
using MFlow.Scheduler.Definitions;
using MFlow.Scheduler.Control;
using MFlow.Scheduler.Params;
using MFlow.Scheduler.Pipelines;
using MFlow.Scheduler.Runs;

namespace MFlow.Scheduler.Tests.Control;

public sealed class When_a_pipeline_declares_run_control
{
    // @PIPELINE@ and @STAGE@ are replaced by each case's fields (pipeline level, the second stage).
    const string Template = """
        name: release
        params: { ENVIRONMENT: staging }
        @PIPELINE@
        stages:
          - name: build
            parallel: false
            timeout: 10m
            tasks:
              - { name: one, kind: build, container: { image: "alpine:3.20", command: ["true"] } }
              - { name: two, kind: build, container: { image: "alpine:3.20", command: ["true"] } }
          - name: production
            @STAGE@
            tasks:
              - { name: ship, kind: deploy, container: { image: "alpine:3.20", command: ["true"] } }
        """;

    static PipelineDocument Pipeline(string pipeline = "", string stage = "") =>
        PipelineDocumentParser.ParsePipeline(Template.Replace("@PIPELINE@", pipeline).Replace("@STAGE@", stage));

    static RunPlan Plan(PipelineDocument pipeline, IReadOnlyDictionary<string, string>? runParams = null) =>
        RunPlanner.Plan(Guid.NewGuid(), new RunRequest { Pipeline = pipeline, Params = runParams ?? new Dictionary<string, string>() });

    [Fact]
    public void Should_plan_the_gate_the_group_and_the_timeouts()
    {
        var pipeline = Pipeline(
            "timeout: 1h30m\nconcurrency: { group: \"deploy-$(params.ENVIRONMENT)\", policy: cancel-in-progress }",
            "approval: { keys: [release-manager], message: Ship?, timeout: 2h, onTimeout: approve }");
        PipelineValidator.Validate(pipeline);

        var plan = Plan(pipeline, new Dictionary<string, string> { ["ENVIRONMENT"] = "prod-eu" });

        Assert.Equal(new PlanConcurrency("deploy-prod-eu", 1, "cancel-in-progress"), plan.Concurrency);
        Assert.Equal(TimeSpan.FromMinutes(90), plan.Timeout);
        // The sequential stage is planned as two; its timeout runs from the first to the last.
        Assert.Equal((TimeSpan.FromMinutes(10), 1), (plan.Stages[0].Timeout!.Value, plan.Stages[0].TimeoutThrough!.Value));
        Assert.Null(plan.Stages[1].Timeout);
        var gate = plan.Stages[2].Approval!;
        Assert.Equal((null, "Ship?", TimeSpan.FromHours(2), "approve"), (gate.Role, gate.Message, gate.Timeout, gate.OnTimeout));
        Assert.Equal(["release-manager"], gate.Keys);
    }

    [Fact]
    public void Should_let_operators_decide_a_gate_that_names_nobody()
    {
        var plan = Plan(Pipeline(stage: "approval: {}"));

        Assert.Equal("operator", plan.Stages[2].Approval!.Role);
        Assert.Equal("reject", plan.Stages[2].Approval!.OnTimeout);
        Assert.Null(ApprovalPolicy.Refusal(plan.Stages[2].Approval!, new Approver("anyone", "admin")));
        Assert.Contains("'operator' role or higher", ApprovalPolicy.Refusal(plan.Stages[2].Approval!, new Approver("reader", "viewer")));
    }

    [Fact]
    public void Should_let_a_named_key_or_a_high_enough_role_decide_and_say_who_may_otherwise()
    {
        var gate = new PlanApproval("admin", ["release-manager"], null, null, "reject");

        Assert.Null(ApprovalPolicy.Refusal(gate, new Approver("release-manager", "operator")));
        Assert.Null(ApprovalPolicy.Refusal(gate, new Approver("root", "admin")));
        Assert.Equal(
            "This gate may be decided only by keys with the 'admin' role or higher or the keys 'release-manager'; the key 'ci' has the 'operator' role.",
            ApprovalPolicy.Refusal(gate, new Approver("ci", "operator")));
    }

    [Theory]
    [InlineData("timeout: 5", "", "timeout", "needs a unit")]
    [InlineData("timeout: 0s", "", "timeout", "A timeout is from 1s to 30d")]
    [InlineData("timeout: 31d", "", "timeout", "A timeout is from 1s to 30d")]
    [InlineData("", "timeout: 1h 30m", "stages[1].timeout", "not a duration")]
    [InlineData("concurrency: { limit: 1 }", "", "concurrency.group", "needs a name")]
    [InlineData("concurrency: { group: \"deploy-$(params.ENVIRONMENT\" }", "", "concurrency.group", "only $(params.NAME) references")]
    [InlineData("concurrency: { group: \"deploy-$(tasks.a.outputs.B)\" }", "", "concurrency.group", "only $(params.NAME) references")]
    [InlineData("concurrency: { group: \"deploy-$(params.1X)\" }", "", "concurrency.group", "only $(params.NAME) references")]
    [InlineData("concurrency: { group: d, limit: 0 }", "", "concurrency.limit", "from 1 to 1000")]
    [InlineData("concurrency: { group: d, policy: cancel }", "", "concurrency.policy", "expected queue, cancel-in-progress, reject")]
    [InlineData("", "approval: { role: viewer }", "stages[1].approval.role", "cannot approve")]
    [InlineData("", "approval: { keys: [] }", "stages[1].approval.keys", "Name from 1 to 50")]
    [InlineData("", "approval: { onTimeout: approve }", "stages[1].approval.onTimeout", "needs a timeout")]
    [InlineData("", "approval: { timeout: 1h, onTimeout: maybe }", "stages[1].approval.onTimeout", "expected reject or approve")]
    public void Should_refuse_what_is_not_valid_naming_the_field(string pipeline, string stage, string field, string message)
    {
        var error = Assert.Throws<PipelineValidationException>(() => PipelineValidator.Validate(Pipeline(pipeline, stage)));

        Assert.True(error.Errors.TryGetValue(field, out var messages), string.Join("; ", error.Errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}")));
        Assert.Contains(messages, m => m.Contains(message, StringComparison.Ordinal));
    }

    [Fact]
    public void Should_refuse_unknown_fields_of_an_approval()
    {
        Assert.Throws<PipelineValidationException>(() => Pipeline(stage: "approval: { approvers: [me] }"));
    }

    [Fact]
    public void Should_refuse_a_group_whose_param_has_no_value()
    {
        var pipeline = Pipeline("concurrency: { group: \"deploy-$(params.REGION)\" }");
        PipelineValidator.Validate(pipeline);

        var error = Assert.Throws<PipelineValidationException>(() => Plan(pipeline));

        Assert.Contains("$(params.REGION), which has no value", error.Errors["concurrency.group"][0]);
    }

    [Theory]
    [InlineData("concurrency: { group: \"deploy-$(params.TOKEN)\" }", "", "concurrency.group", "The group uses $(params.TOKEN), which a job keeps sensitive")]
    [InlineData("", "when: [{ input: \"$(params.TOKEN)\", equals: s3cr3t }]", "stages[0].when[0].input", "'$(params.TOKEN)' is a sensitive param")]
    public void Should_refuse_a_group_or_stage_condition_that_would_show_a_sensitive_param(string pipelineField, string stageField, string field, string message)
    {
        var pipeline = PipelineDocumentParser.ParsePipeline($$"""
            name: release
            params: { TOKEN: s3cr3t }
            {{pipelineField}}
            stages:
              - name: ship
                {{stageField}}
                tasks:
                  - { name: ship, job: "show@team.ci:v1" }
            """);
        PipelineValidator.Validate(pipeline);
        var job = new ResolvedJob(Guid.Empty, new DefinitionName("show", "team", "ci", "v1"), JobKind.Deploy, new JobDefinitionDocument
        {
            Params = [new() { Name = "TOKEN", Sensitive = true }],
        });

        var error = Assert.Throws<PipelineValidationException>(() => RunPlanner.Plan(
            Guid.NewGuid(), new RunRequest { Pipeline = pipeline, Params = new Dictionary<string, string>() },
            new Dictionary<string, ResolvedJob> { ["show@team.ci:v1"] = job }, new HashSet<string>(), value => value));

        Assert.Contains(message, Assert.Single(error.Errors[field]));
        Assert.DoesNotContain("s3cr3t", string.Join(" ", error.Errors.Values.SelectMany(e => e)));
    }
}
