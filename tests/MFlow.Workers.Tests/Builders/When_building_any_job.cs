using System.Text;
using System.Text.RegularExpressions;
using MFlow.Contracts;
using MFlow.Execution.Kubernetes;
using MFlow.Workers.Tests.Support;

namespace MFlow.Workers.Tests.Builders;

/// <summary>What every Job shares, whatever its kind (table-driven over the kinds).</summary>
public partial class When_building_any_job
{
    public static TheoryData<string> Kinds => Commands.KindNames();

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Should_name_it_deterministically_from_kind_task_and_attempt(string kind)
    {
        var command = Commands.ByName(kind);

        var first = Manifests.JobFor(command).Metadata.Name!;
        var again = Manifests.JobFor(command).Metadata.Name!;
        var retry = Manifests.JobFor(command with { Attempt = 2 }).Metadata.Name!;
        var otherTask = Manifests.JobFor(command with { TaskId = Guid.NewGuid() }).Metadata.Name!;

        Assert.Equal(first, again);
        Assert.NotEqual(first, retry);
        Assert.NotEqual(first, otherTask);
        Assert.StartsWith($"mflow-{command.Kind.ToString().ToLowerInvariant()}-{command.TaskName}-", first, StringComparison.Ordinal);
        Assert.Matches(Dns1123Label(), first);
    }

    [Theory]
    [InlineData("a")]
    [InlineData("build-the-whole-monorepo-with-every-service-1")]
    [InlineData("UPPER_case and spaces, punctuation!!! and a very long tail that goes on and on past any limit Kubernetes has")]
    [InlineData("---")]
    public void Should_keep_the_name_a_dns_label_of_at_most_63_characters(string taskName)
    {
        foreach (var kind in Enum.GetValues<JobKind>())
        {
            foreach (var attempt in new[] { 1, 20, int.MaxValue })
            {
                var name = TaskLabels.JobNameFor(kind, Commands.TaskId, attempt, taskName);

                Assert.True(name.Length <= 63, $"{name} has {name.Length} characters");
                Assert.Matches(Dns1123Label(), name);
                Assert.EndsWith($"-{attempt}", name, StringComparison.Ordinal);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Should_label_job_pods_and_owned_objects_with_run_task_kind_and_manager(string kind)
    {
        var command = Commands.ByName(kind) with { Attempt = 3, SecretValues = new Dictionary<string, string> { [SecretKeys.UpdateToken] = "t" } };

        var manifests = Manifests.For(command);

        var expected = new Dictionary<string, string>
        {
            ["app.kubernetes.io/managed-by"] = "mflow",
            ["mflow.dev/run-id"] = Commands.RunId.ToString(),
            ["mflow.dev/task-id"] = Commands.TaskId.ToString(),
            ["mflow.dev/kind"] = command.Kind.ToString().ToLowerInvariant(),
            ["mflow.dev/attempt"] = "3",
        };
        Assert.Equal(expected, manifests.Job.Metadata.Labels);
        Assert.Equal(expected, manifests.Job.Spec!.Template.Metadata!.Labels);
        Assert.Equal(expected, manifests.Secret!.Metadata.Labels);
        if (manifests.ConfigMap is { } configMap)
            Assert.Equal(expected, configMap.Metadata.Labels);
        Assert.Equal(command.TaskName, manifests.Job.Metadata.Annotations![TaskLabels.TaskName]);
        Assert.Equal(TaskLabels.TaskOf(manifests.Job), new Execution.Reporting.TaskRef(Commands.RunId, Commands.TaskId, command.TaskName, command.Kind, 3));
        Assert.All(new[] { manifests.Job.Metadata.NamespaceProperty, manifests.Secret!.Metadata.NamespaceProperty }, ns => Assert.Equal(Manifests.Namespace, ns));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Should_replace_disrupted_pods_freely_and_fail_at_once_on_the_jobs_non_retryable_exit_codes(string kind)
    {
        var command = Commands.ByName(kind) with { NonRetryableExitCodes = [42, 2, 2, 0, 300] };

        var job = Manifests.JobFor(command);

        var rules = job.Spec!.PodFailurePolicy!.Rules;
        Assert.Equal(["Ignore", "FailJob"], rules.Select(r => r.Action));
        Assert.Equal(("DisruptionTarget", "True"), (rules[0].OnPodConditions.Single().Type, rules[0].OnPodConditions.Single().Status));
        Assert.Equal(job.Pod().Containers[0].Name, rules[1].OnExitCodes.ContainerName);
        Assert.Equal("In", rules[1].OnExitCodes.OperatorProperty);
        Assert.Equal([2, 42], rules[1].OnExitCodes.Values); // sorted, distinct, 1 to 255: as the API server requires
        Assert.Equal("Never", job.Pod().RestartPolicy); // a podFailurePolicy needs it
        Assert.Single(Manifests.JobFor(Commands.ByName(kind)).Spec!.PodFailurePolicy!.Rules);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Should_give_it_a_retry_budget_a_deadline_a_ttl_and_no_restarts(string kind)
    {
        var command = Commands.ByName(kind) with { BackoffLimit = 4, TimeoutSeconds = 900 };

        var job = Manifests.JobFor(command);

        Assert.Equal(4, job.Spec!.BackoffLimit);
        Assert.Equal(900, job.Spec.ActiveDeadlineSeconds);
        Assert.Equal(3600, job.Spec.TtlSecondsAfterFinished);
        Assert.Equal("Never", job.Pod().RestartPolicy);
        Assert.False(job.Pod().EnableServiceLinks);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Should_give_every_container_requests_and_limits(string kind)
    {
        var job = Manifests.JobFor(Commands.ByName(kind));

        Assert.All(job.AllContainers(), container =>
        {
            Assert.Equal(["cpu", "memory"], container.Resources!.Requests!.Keys.Order());
            Assert.Equal(["cpu", "memory"], container.Resources.Limits!.Keys.Order());
        });
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Should_run_unprivileged_and_as_non_root_where_the_tool_allows_it(string kind)
    {
        var job = Manifests.JobFor(Commands.ByName(kind));

        Assert.All(job.AllContainers(), container =>
        {
            var security = container.SecurityContext!;
            Assert.NotEqual(true, security.Privileged);
            Assert.False(security.AllowPrivilegeEscalation);
            Assert.Equal("RuntimeDefault", security.SeccompProfile!.Type);
            if (container.Name != "kaniko") // kaniko unpacks image filesystems as root, by design
            {
                Assert.True(security.RunAsNonRoot, $"{container.Name} may run as root");
                Assert.NotEqual(0, security.RunAsUser);
                Assert.Equal(["ALL"], security.Capabilities!.Drop!);
            }
        });
        Assert.DoesNotContain("hostNetwork", Manifests.Keys(job.ToJson()));
        Assert.DoesNotContain("hostPID", Manifests.Keys(job.ToJson()));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Should_inject_the_system_variables_into_the_main_container(string kind)
    {
        var command = Commands.ByName(kind) with { Attempt = 2 };

        var main = Manifests.JobFor(command).MainContainer();

        Assert.Equal(Commands.RunId.ToString(), main.Env(SystemVariables.PipelineTaskId));
        Assert.Equal(Commands.TaskId.ToString(), main.Env(SystemVariables.JobTaskId));
        Assert.Equal("2", main.Env(SystemVariables.JobTaskAttempt));
        Assert.Equal(command.JobName, main.Env(SystemVariables.JobId));
        Assert.Equal("/dev/termination-log", main.Env(SystemVariables.OutputFile));
        Assert.Equal("/dev/termination-log", main.TerminationMessagePath);
        Assert.Equal("File", main.TerminationMessagePolicy);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Should_not_let_a_param_or_container_env_override_a_system_variable(string kind)
    {
        var command = Commands.ByName(kind);
        command = command with
        {
            Params = new Dictionary<string, string>(command.Params) { [SystemVariables.JobTaskId] = "forged" },
            Container = command.Container is null ? null : command.Container with { Env = new Dictionary<string, string> { [SystemVariables.PipelineTaskId] = "forged" } },
        };

        var job = Manifests.JobFor(command);

        Assert.All(job.AllContainers(), container =>
        {
            Assert.DoesNotContain(container.Env!, e => e.Value == "forged");
            Assert.Single(container.Env!, e => e.Name == SystemVariables.JobTaskId);
        });
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Should_deliver_the_update_token_by_secret_reference_only(string kind)
    {
        const string token = "mflow-update-token-9c1d3b6e0f";
        var command = Commands.ByName(kind) with { SecretValues = new Dictionary<string, string> { [SecretKeys.UpdateToken] = token } };

        var manifests = Manifests.For(command);

        var job = manifests.Job;
        var variable = Assert.Single(job.MainContainer().Env!, e => e.Name == SystemVariables.UpdateToken);
        Assert.Null(variable.Value);
        Assert.Equal((job.Metadata.Name, "update-token"), (variable.ValueFrom!.SecretKeyRef!.Name, variable.ValueFrom.SecretKeyRef.Key));
        Assert.Equal(token, Encoding.UTF8.GetString(manifests.Secret!.Data!["update-token"]));
        Assert.Equal(job.Metadata.Name, manifests.Secret.Metadata.Name);
        Assert.DoesNotContain(token, job.ToJsonText(), StringComparison.Ordinal);
        // Init containers (clone, kubectl steps) do not need it, so they do not get it.
        Assert.All(job.Pod().InitContainers ?? [], c => Assert.DoesNotContain(c.Env!, e => e.Name == SystemVariables.UpdateToken));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Should_deliver_a_sensitive_param_by_secret_reference_only(string kind)
    {
        var command = Commands.ByName(kind) with { SecretValues = new Dictionary<string, string> { ["NPM_TOKEN"] = "npm_s3cr3t_value" } };

        var manifests = Manifests.For(command);

        var variable = Assert.Single(manifests.Job.MainContainer().Env!, e => e.Name == "NPM_TOKEN");
        Assert.Equal("param-npm-token", variable.ValueFrom!.SecretKeyRef!.Key);
        Assert.DoesNotContain("npm_s3cr3t_value", manifests.Job.ToJsonText(), StringComparison.Ordinal);
        Assert.Equal("npm_s3cr3t_value", Encoding.UTF8.GetString(manifests.Secret!.Data!["param-npm-token"]));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Should_pass_params_to_every_container_as_environment_variables(string kind)
    {
        var command = Commands.ByName(kind);
        command = command with { Params = new Dictionary<string, string>(command.Params) { ["APP"] = "shop" } };

        var job = Manifests.JobFor(command);

        Assert.All(job.AllContainers(), c => Assert.Equal("shop", c.Env("APP")));
    }

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex Dns1123Label();
}
