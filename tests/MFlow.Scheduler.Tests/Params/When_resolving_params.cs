using MFlow.Contracts;
using MFlow.Scheduler.Definitions;
using MFlow.Scheduler.Params;
using MFlow.Scheduler.Pipelines;

namespace MFlow.Scheduler.Tests.Params;

public sealed class When_resolving_params
{
    const string TaskPath = "stages[0].tasks[0]";

    static readonly ResolvedJob Job = new(Guid.Empty, new DefinitionName("checks", "team", "ci", "v3"), JobKind.Deploy, new JobDefinitionDocument
    {
        Params =
        [
            new() { Name = "REQUIRED_THING", Required = true, Description = "The thing to check." },
            new() { Name = "BARE_REQUIRED", Required = true },
            new() { Name = "FLAG", Type = "boolean", Default = "false" },
            new() { Name = "CHANNEL", Type = "enum", Options = ["stable", "beta"], Default = "stable" },
            new() { Name = "SECRET_CHANNEL", Type = "enum", Options = ["a", "b"], Sensitive = true },
            new() { Name = "SSH_SECRET", Type = "secret" },
            new() { Name = "SETTINGS", Type = "configMap" },
            new() { Name = "LOCKED", ReadOnly = true, Default = "fixed" },
            new() { Name = "_TRACE", Usage = "system" },
            new() { Name = "TOKEN", Sensitive = true, Default = "job-token" },
            new() { Name = "GREETING", Usage = "template", Default = "hello" },
            new() { Name = "IMAGE", Required = true },
            new() { Name = "CLUSTER", Usage = "runner" },
            new() { Name = "NAMESPACE", Usage = "runner" },
            new() { Name = "KUBECONFIG", Usage = "runner", Sensitive = true },
            new() { Name = "LEVEL", Default = "job" },
        ],
        Rollback = new RollbackSpec { Params = new() { ["LEVEL"] = "rollback", ["TOKEN"] = "rollback-token" }, Optional = ["IMAGE"] },
    });

    static readonly Dictionary<string, string> Valid = new() { ["REQUIRED_THING"] = "x", ["BARE_REQUIRED"] = "y", ["IMAGE"] = "shop:1" };

    public static TheoryData<string, string, string, string> Refusals => new()
    {
        { "REQUIRED_THING", "<missing>", $"{TaskPath}.params.REQUIRED_THING", "Task 't': param REQUIRED_THING is required by job checks@team.ci:v3 (The thing to check)." },
        { "BARE_REQUIRED", "<missing>", $"{TaskPath}.params.BARE_REQUIRED", "Task 't': param BARE_REQUIRED is required by job checks@team.ci:v3." },
        { "FLAG", "TRUE", $"{TaskPath}.params.FLAG", "Task 't': param FLAG must be true or false, not 'TRUE'." },
        { "FLAG", "1", $"{TaskPath}.params.FLAG", "Task 't': param FLAG must be true or false, not '1'." },
        { "CHANNEL", "Stable", $"{TaskPath}.params.CHANNEL", "Task 't': param CHANNEL must be one of stable, beta, not 'Stable'." },
        { "SECRET_CHANNEL", "leaked-value", $"{TaskPath}.params.SECRET_CHANNEL", "Task 't': param SECRET_CHANNEL must be one of a, b, not '******'." },
        { "SSH_SECRET", "-starts-with-dash", $"{TaskPath}.params.SSH_SECRET", "Task 't': param SSH_SECRET '-starts-with-dash' is not a valid Kubernetes Secret name (lowercase letters, digits, '-' and '.')." },
        { "SETTINGS", "UPPER", $"{TaskPath}.params.SETTINGS", "Task 't': param SETTINGS 'UPPER' is not a valid Kubernetes ConfigMap name (lowercase letters, digits, '-' and '.')." },
        { "LOCKED", "mine", $"{TaskPath}.params.LOCKED", "Task 't': param LOCKED of job checks@team.ci:v3 is read-only; only the job's default applies." },
        { "_TRACE", "forged", $"{TaskPath}.params._TRACE", "Task 't': _TRACE is a system variable of job checks@team.ci:v3; the runner sets it." },
        { "UNDECLARED", "x", $"{TaskPath}.params.UNDECLARED", "Task 't': job checks@team.ci:v3 has no param UNDECLARED (declare it in the job; a value set for the whole stage, pipeline or run reaches only the jobs that declare it)." },
        { "LD_PRELOAD", "/tmp/evil.so", $"{TaskPath}.params.LD_PRELOAD", "LD_PRELOAD changes how a job's processes run (loader, shell, interpreter, tool configuration or credentials, proxies, MFlow's TASKS_* variables); job checks@team.ci:v3 does not declare it, so it cannot be set." },
        { "CLUSTER", "nowhere", $"{TaskPath}.params.CLUSTER", "Task 't': cluster 'nowhere' is not registered (see /api/v1/clusters)." },
        { "LEVEL", "<64 KB and a byte>", $"{TaskPath}.params.LEVEL", "Task 't': param LEVEL is longer than 64 KB." },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void Should_refuse_a_task_value_naming_the_param_the_task_and_the_rule(string param, string value, string field, string message)
    {
        var values = new Dictionary<string, string>(Valid);
        if (value == "<missing>")
            values.Remove(param);
        else
            values[param] = value == "<64 KB and a byte>" ? new string('x', 64 * 1024 + 1) : value;

        var errors = Resolve(RunMode.Normal, task: values);

        Assert.Equal(new Dictionary<string, string[]> { [field] = [message] }, errors);
    }

    [Fact]
    public void Should_report_a_value_under_the_field_it_was_given_in()
    {
        var errors = Resolve(RunMode.Normal, pipeline: new() { ["FLAG"] = "maybe" }, stage: new() { ["CHANNEL"] = "nightly" }, run: new() { ["LOCKED"] = "x" });

        Assert.Equal(["params.FLAG", "params.LOCKED", "stages[0].params.CHANNEL"], errors.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Should_keep_pipeline_stage_and_run_time_values_the_job_does_not_declare_out_of_its_environment()
    {
        var resolved = Resolve(RunMode.Normal, out var errors, pipeline: new() { ["APP"] = "shop" }, stage: new() { ["ZONE"] = "eu" }, run: new() { ["BUILD"] = "7" });

        Assert.True(errors.IsEmpty);
        Assert.DoesNotContain(resolved.Env.Keys, key => key is "APP" or "ZONE" or "BUILD");
    }

    [Theory]
    [InlineData("LD_PRELOAD")]
    [InlineData("PATH")]
    [InlineData("BASH_ENV")]
    [InlineData("PYTHONPATH")]
    [InlineData("GIT_SSH_COMMAND")]
    [InlineData("http_proxy")]
    [InlineData("TASKS_BUILD_OUTPUTS_IMAGE")]
    public void Should_refuse_a_process_controlling_name_the_job_does_not_declare_at_any_level(string name)
    {
        Resolve(RunMode.Normal, out var errors, pipeline: new() { [name] = "x" }, stage: new() { [name] = "x" }, run: new() { [name] = "x" });

        var why = $"{name} changes how a job's processes run (loader, shell, interpreter, tool configuration or credentials, proxies, MFlow's TASKS_* variables); job checks@team.ci:v3 does not declare it, so it cannot be set.";
        Assert.Equal(new Dictionary<string, string[]> { [$"params.{name}"] = [why], [$"stages[0].params.{name}"] = [why] }, ErrorsOf(errors));
    }

    [Fact]
    public void Should_take_the_job_default_then_pipeline_stage_task_and_run_time_values()
    {
        var layers = new[] { "pipeline", "stage", "task", "run" };
        for (var highest = -1; highest < layers.Length; highest++)
        {
            var given = layers.Take(highest + 1).ToHashSet();
            var resolved = Resolve(RunMode.Normal, out var errors,
                pipeline: given.Contains("pipeline") ? new() { ["LEVEL"] = "pipeline" } : null,
                stage: given.Contains("stage") ? new() { ["LEVEL"] = "stage" } : null,
                task: given.Contains("task") ? new(Valid) { ["LEVEL"] = "task" } : null,
                run: given.Contains("run") ? new() { ["LEVEL"] = "run" } : null);

            Assert.True(errors.IsEmpty);
            Assert.Equal(highest < 0 ? "job" : layers[highest], resolved.Env["LEVEL"]);
        }
    }

    [Fact]
    public void Should_put_rollback_values_over_job_defaults_and_under_the_pipeline_and_waive_what_a_rollback_does_without()
    {
        var task = new Dictionary<string, string>(Valid);
        task.Remove("IMAGE");

        var rollback = Resolve(RunMode.Rollback, out var errors, task: task);
        Assert.True(errors.IsEmpty);
        Assert.Equal("rollback", rollback.Env["LEVEL"]);
        Assert.Equal("rollback-token", rollback.Secret["TOKEN"]);
        Assert.Equal("pipeline", Resolve(RunMode.Rollback, out _, pipeline: new() { ["LEVEL"] = "pipeline" }, task: task).Env["LEVEL"]);

        // A normal run still needs IMAGE and ignores the rollback values.
        var normal = Resolve(RunMode.Normal, out var normalErrors, task: task);
        Assert.Equal([$"{TaskPath}.params.IMAGE"], ErrorsOf(normalErrors).Keys);
        Assert.Equal("job", normal.Env["LEVEL"]);
    }

    [Fact]
    public void Should_sort_values_by_where_they_go()
    {
        var resolved = Resolve(RunMode.Normal, out var errors, task: new(Valid)
        {
            ["GREETING"] = "hi",
            ["CLUSTER"] = "east",
            ["NAMESPACE"] = "ci",
            ["KUBECONFIG"] = Kubeconfig,
            ["SECRET_CHANNEL"] = "a",
        });

        Assert.True(errors.IsEmpty);
        Assert.Equal("hi", resolved.Template["GREETING"]);
        Assert.False(resolved.Env.ContainsKey("GREETING"));
        Assert.Equal(("east", "ci", Kubeconfig), (resolved.Cluster, resolved.Namespace, resolved.Kubeconfig));
        Assert.DoesNotContain(resolved.Env.Keys, key => key is "CLUSTER" or "NAMESPACE" or "KUBECONFIG" or "_TRACE");
        Assert.Equal(new Dictionary<string, string> { ["TOKEN"] = "job-token", ["SECRET_CHANNEL"] = "a" }, resolved.Secret);
        Assert.DoesNotContain(resolved.Env.Keys, key => key is "TOKEN" or "SECRET_CHANNEL");
        Assert.Equal("fixed", resolved.Env["LOCKED"]);
    }

    [Fact]
    public void Should_refuse_a_kubeconfig_that_names_a_file_without_quoting_it()
    {
        Resolve(RunMode.Normal, out var errors, task: new(Valid) { ["KUBECONFIG"] = Kubeconfig.Replace("token: t0ken-4f2a", "tokenFile: /var/run/secrets/t0ken-4f2a", StringComparison.Ordinal) });

        var problem = Assert.Single(Assert.Single(ErrorsOf(errors)).Value);
        Assert.Contains("param KUBECONFIG is not a usable kubeconfig", problem, StringComparison.Ordinal);
        Assert.Contains("tokenFile of user 'deployer' is a file path", problem, StringComparison.Ordinal);
        Assert.DoesNotContain("t0ken-4f2a", problem, StringComparison.Ordinal);
    }

    const string Kubeconfig = """
        apiVersion: v1
        kind: Config
        current-context: prod
        clusters: [{ name: prod, cluster: { server: "https://prod.example.com:6443" } }]
        contexts: [{ name: prod, context: { cluster: prod, user: deployer } }]
        users: [{ name: deployer, user: { token: t0ken-4f2a } }]
        """;

    static Dictionary<string, string[]> Resolve(RunMode mode, Dictionary<string, string>? pipeline = null, Dictionary<string, string>? stage = null,
        Dictionary<string, string>? task = null, Dictionary<string, string>? run = null)
    {
        Resolve(mode, out var errors, pipeline, stage, task, run);
        return ErrorsOf(errors);
    }

    static Dictionary<string, string[]> ErrorsOf(ValidationErrors errors)
    {
        try
        {
            errors.ThrowIfAny();
            return [];
        }
        catch (PipelineValidationException ex)
        {
            return ex.Errors.ToDictionary(e => e.Key, e => e.Value);
        }
    }

    static ResolvedParams Resolve(RunMode mode, out ValidationErrors errors, Dictionary<string, string>? pipeline = null, Dictionary<string, string>? stage = null,
        Dictionary<string, string>? task = null, Dictionary<string, string>? run = null)
    {
        errors = new ValidationErrors();
        var layers = new List<ParamResolver.Layer>
        {
            new("pipeline", "params", pipeline),
            new("stage", "stages[0].params", stage),
            new("task", $"{TaskPath}.params", task ?? Valid, TaskLevel: true),
            new("run", "params", run),
        };
        return ParamResolver.Resolve(Job, "t", mode, layers, new HashSet<string> { "east" }, errors, TaskPath);
    }
}
