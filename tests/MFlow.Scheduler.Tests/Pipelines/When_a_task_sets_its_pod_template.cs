using System.Text.Json.Nodes;
using MFlow.Contracts;
using MFlow.Scheduler.Definitions;
using MFlow.Scheduler.Params;
using MFlow.Scheduler.Pipelines;
using MFlow.Scheduler.Runs;

namespace MFlow.Scheduler.Tests.Pipelines;

/// <summary>Scheduling, identity, resources and metadata of a task's pod: checked as the API server would, MFlow's labels protected.</summary>
public sealed class When_a_task_sets_its_pod_template
{
    static readonly Guid RunId = Guid.Parse("0f8e2a9c-0000-4000-8000-0000000000aa");

    const string FullTemplate = """
        podTemplate:
          nodeSelector: {kubernetes.io/arch: amd64, pool: ci}
          tolerations:
            - {key: dedicated, operator: Equal, value: ci, effect: NoSchedule}
            - {key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute, tolerationSeconds: 60}
          affinity:
            nodeAffinity:
              requiredDuringSchedulingIgnoredDuringExecution:
                nodeSelectorTerms:
                  - matchExpressions: [{key: topology.kubernetes.io/zone, operator: In, values: [eu-west-1a, eu-west-1b]}]
            podAntiAffinity:
              preferredDuringSchedulingIgnoredDuringExecution:
                - weight: 100
                  podAffinityTerm:
                    topologyKey: kubernetes.io/hostname
                    labelSelector: {matchLabels: {mflow.dev/kind: build}}
          imagePullSecrets: [registry-credentials]
          serviceAccountName: ci-builder
          resources: {requests: {cpu: 500m, memory: 1Gi}, limits: {memory: 2Gi, nvidia.com/gpu: "1"}}
          priorityClassName: ci-high
          labels: {team: payments, app.kubernetes.io/part-of: shop}
          annotations: {cluster-autoscaler.kubernetes.io/safe-to-evict: "false"}
          ttlSecondsAfterFinished: 600
        """;

    static PipelineDocument Pipeline(string podTemplate) => PipelineDocumentParser.ParsePipeline($"""
        name: hello
        stages:
          - name: build
            tasks:
              - name: compile
                kind: build
                container: {"{"}image: alpine:3.20, command: [make]{"}"}
        {Indent(podTemplate, 8)}
        """);

    static string Indent(string text, int spaces) => string.Join('\n', text.Split('\n').Select(l => new string(' ', spaces) + l));

    static Dictionary<string, string[]> Errors(PipelineDocument pipeline)
    {
        var ex = Record.Exception(() => PipelineValidator.Validate(pipeline));
        return ex is PipelineValidationException invalid ? invalid.Errors.ToDictionary() : [];
    }

    [Fact]
    public void Should_carry_every_field_into_the_tasks_command()
    {
        var pipeline = Pipeline(FullTemplate);
        PipelineValidator.Validate(pipeline);
        var plan = RunPlanner.Plan(RunId, new RunRequest { Pipeline = pipeline });

        var command = StageDispatcher.Commands(RunId, plan, 0, DateTimeOffset.UtcNow).Single();

        var pod = command.PodTemplate!;
        Assert.Equal(new Dictionary<string, string> { ["kubernetes.io/arch"] = "amd64", ["pool"] = "ci" }, pod.NodeSelector);
        Assert.Equal(
            [new PodToleration { Key = "dedicated", Operator = "Equal", Value = "ci", Effect = "NoSchedule" }, new PodToleration { Key = "node.kubernetes.io/unreachable", Operator = "Exists", Effect = "NoExecute", TolerationSeconds = 60 }],
            pod.Tolerations);
        var affinity = JsonNode.Parse(pod.AffinityJson!)!;
        Assert.Equal(100, affinity["podAntiAffinity"]!["preferredDuringSchedulingIgnoredDuringExecution"]![0]!["weight"]!.GetValue<long>());
        Assert.Equal("eu-west-1b", affinity["nodeAffinity"]!["requiredDuringSchedulingIgnoredDuringExecution"]!["nodeSelectorTerms"]![0]!["matchExpressions"]![0]!["values"]![1]!.GetValue<string>());
        Assert.Equal(["registry-credentials"], pod.ImagePullSecrets);
        Assert.Equal(("ci-builder", "ci-high", 600), (pod.ServiceAccountName, pod.PriorityClassName, pod.TtlSecondsAfterFinished));
        Assert.Equal(new Dictionary<string, string> { ["cpu"] = "500m", ["memory"] = "1Gi" }, pod.Resources!.Requests);
        Assert.Equal(new Dictionary<string, string> { ["memory"] = "2Gi", ["nvidia.com/gpu"] = "1" }, pod.Resources.Limits);
        Assert.Equal("payments", pod.Labels["team"]);
        Assert.Equal("false", pod.Annotations["cluster-autoscaler.kubernetes.io/safe-to-evict"]);
    }

    [Theory]
    [InlineData("mflow.dev/run-id")]
    [InlineData("mflow.dev/task-id")]
    [InlineData("app.kubernetes.io/managed-by")]
    [InlineData("batch.kubernetes.io/job-name")]
    [InlineData("controller-uid")]
    public void Should_refuse_to_override_a_label_that_ties_the_job_to_its_task(string label)
    {
        var errors = Errors(Pipeline($"podTemplate:\n  labels: {{\"{label}\": x}}"));

        Assert.Equal(
            new Dictionary<string, string[]>
            {
                ["stages[0].tasks[0].podTemplate.labels"] = [$"The label '{label}' is MFlow's own or the Job controller's (it ties the Job and its pods to their run and task): a task cannot set it."],
            },
            errors);
    }

    [Theory]
    [InlineData("annotations: {mflow.dev/task-name: other}", "annotations", "The annotation 'mflow.dev/task-name' is MFlow's own: a task cannot set it.")]
    [InlineData("nodeSelector: {pool: 'a b'}", "nodeSelector", "'pool: a b' is not a valid node label")]
    [InlineData("tolerations: [{key: dedicated, operator: Exists, value: ci}]", "tolerations[0].value", "A toleration with operator Exists has no value.")]
    [InlineData("tolerations: [{operator: Equal, value: ci}]", "tolerations[0].key", "A toleration without a key needs operator Exists")]
    [InlineData("tolerations: [{key: a, effect: NoRun}]", "tolerations[0].effect", "'NoRun' is not NoSchedule, PreferNoSchedule or NoExecute.")]
    [InlineData("tolerations: [{key: a, effect: NoSchedule, tolerationSeconds: 5}]", "tolerations[0].tolerationSeconds", "Only a NoExecute toleration has tolerationSeconds.")]
    [InlineData("imagePullSecrets: [Registry_Creds]", "imagePullSecrets", "'Registry_Creds' is not a valid Secret name.")]
    [InlineData("serviceAccountName: 'ci builder'", "serviceAccountName", "'ci builder' is not a valid service account name.")]
    [InlineData("priorityClassName: High", "priorityClassName", "'High' is not a valid priority class name.")]
    [InlineData("resources: {requests: {memory: 4Gi}, limits: {memory: 1Gi}}", "resources.requests.memory", "The request 4Gi is more than the limit 1Gi.")]
    [InlineData("resources: {requests: {cpu: lots}}", "resources.requests.cpu", "'lots' is not a quantity")]
    [InlineData("resources: {limits: {gpu: '1'}}", "resources.limits.gpu", "'gpu' is not a resource")]
    [InlineData("ttlSecondsAfterFinished: -1", "ttlSecondsAfterFinished", "It cannot be negative.")]
    [InlineData("affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: []}}}", "affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms", "At least one term is needed.")]
    [InlineData("affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: [{matchExpressions: [{key: cores, operator: Gt, values: [many]}]}]}}}", "affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].values", "Gt and Lt take exactly one whole number.")]
    [InlineData("affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: [{matchExpressions: [{key: zone, operator: Near}]}]}}}", "affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].operator", "'Near' is not one of In, NotIn, Exists, DoesNotExist, Gt, Lt.")]
    [InlineData("affinity: {podAffinity: {requiredDuringSchedulingIgnoredDuringExecution: [{labelSelector: {matchLabels: {app: db}}}]}}", "affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey", "A pod affinity term needs a topologyKey")]
    [InlineData("affinity: {podAntiAffinity: {preferredDuringSchedulingIgnoredDuringExecution: [{weight: 0, podAffinityTerm: {topologyKey: zone}}]}}", "affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight", "A weight is between 1 and 100.")]
    [InlineData("affinity: {nodeAffinity: {requiredDuringScheduling: {}}}", "affinity", "Not a Kubernetes Affinity ($.nodeAffinity.requiredDuringScheduling)")]
    public void Should_name_the_field_and_what_is_wrong(string template, string field, string message)
    {
        var errors = Errors(Pipeline($"podTemplate:\n  {template}"));

        var problem = Assert.Single(Assert.Single(errors, e => e.Key == $"stages[0].tasks[0].podTemplate.{field}" || e.Key == $"stages[0].tasks[0].podTemplate{(field == "affinity" ? ".affinity" : "")}").Value);
        Assert.StartsWith(message, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_refuse_an_affinity_nested_without_end()
    {
        var deep = string.Concat(Enumerable.Repeat("{a: ", 40)) + "1" + new string('}', 40);

        var ex = Assert.Throws<PipelineValidationException>(() => Pipeline($"podTemplate:\n  affinity: {deep}"));

        Assert.Contains("nests deeper than 32 levels", Assert.Single(ex.Errors).Value[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Should_merge_the_tasks_template_over_its_jobs_and_check_the_result()
    {
        var job = new JobDefinitionDocument
        {
            Name = "make", Namespace = "ci", Domain = "tools", Version = "v1", Kind = "build",
            Template = new JobTemplate { Container = new ContainerDocument { Image = "alpine:3.20", Command = ["make"] } },
            PodTemplate = new PodTemplateDocument
            {
                NodeSelector = new() { ["pool"] = "ci" },
                Tolerations = [new TolerationDocument { Key = "dedicated", Operator = "Equal", Value = "ci", Effect = "NoSchedule" }],
                Resources = new ResourcesDocument { Requests = new() { ["cpu"] = "1" }, Limits = new() { ["memory"] = "1Gi" } },
                Labels = new() { ["team"] = "platform" },
                ServiceAccountName = "builder",
            },
        };
        JobDefinitionValidator.Validate(job);
        Assert.True(DefinitionName.TryParse("make@ci.tools:v1", out var name));
        var jobs = new Dictionary<string, ResolvedJob> { ["make@ci.tools:v1"] = new(Guid.NewGuid(), name, JobKind.Build, job) };
        PipelineDocument WithTask(string podTemplate) => PipelineDocumentParser.ParsePipeline($"""
            name: hello
            stages:
              - name: build
                tasks:
                  - name: compile
                    job: make@ci.tools:v1
            {Indent(podTemplate, 8)}
            """);

        var plan = RunPlanner.Plan(RunId, new RunRequest { Pipeline = WithTask("podTemplate: {nodeSelector: {arch: arm64}, labels: {team: payments}, resources: {limits: {cpu: '2'}}, tolerations: [{key: spot, operator: Exists}]}") }, jobs, new HashSet<string>(), v => v);
        var merged = plan.Stages[0].Tasks[0].PodTemplate!;
        var tooSmall = Assert.Throws<PipelineValidationException>(() =>
            RunPlanner.Plan(RunId, new RunRequest { Pipeline = WithTask("podTemplate: {resources: {limits: {cpu: 500m}}}") }, jobs, new HashSet<string>(), v => v));

        Assert.Equal(new Dictionary<string, string> { ["pool"] = "ci", ["arch"] = "arm64" }, merged.NodeSelector);
        Assert.Equal(["dedicated", "spot"], merged.Tolerations.Select(t => t.Key));
        Assert.Equal("payments", merged.Labels["team"]);
        Assert.Equal("builder", merged.ServiceAccountName);
        Assert.Equal(new Dictionary<string, string> { ["cpu"] = "1" }, merged.Resources!.Requests);
        Assert.Equal(new Dictionary<string, string> { ["memory"] = "1Gi", ["cpu"] = "2" }, merged.Resources.Limits);
        Assert.Equal(["The request 1 is more than the limit 500m."], tooSmall.Errors["stages[0].tasks[0].podTemplate.resources.requests.cpu"]);
    }

    [Fact]
    public void Should_check_a_job_definitions_template_too()
    {
        var job = new JobDefinitionDocument
        {
            Name = "make", Namespace = "ci", Domain = "tools", Version = "v1", Kind = "build",
            PodTemplate = new PodTemplateDocument { Labels = new() { ["mflow.dev/attempt"] = "9" } },
        };

        var ex = Assert.Throws<PipelineValidationException>(() => JobDefinitionValidator.Validate(job));

        Assert.Equal(["podTemplate.labels"], ex.Errors.Keys);
    }
}
