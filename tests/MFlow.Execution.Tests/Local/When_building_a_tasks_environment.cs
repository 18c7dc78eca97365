using MFlow.Contracts;
using MFlow.Execution.Tests.Support;

namespace MFlow.Execution.Tests.Local;

// It sets variables in this process's environment: no other test class runs meanwhile.
[Collection(ProcessEnvironmentCollection.Name)]
public sealed class When_building_a_tasks_environment : ExecutorSpec
{
    static readonly string[] Inherited = new WorkerOptions().InheritEnvironment.ToArray();

    [Fact]
    public async Task Should_hold_params_container_env_system_variables_and_the_update_token_and_nothing_of_the_worker()
    {
        // What a worker process typically has in its environment, and a task must never see.
        var secrets = new Dictionary<string, string>
        {
            ["ConnectionStrings__RabbitMq"] = "amqp://u:secret@x",
            ["MFlow__Database__ConnectionString"] = "Host=db;Password=secret",
            ["AWS_SECRET_ACCESS_KEY"] = "secret",
        };
        foreach (var (name, value) in secrets)
            Environment.SetEnvironmentVariable(name, value);
        var command = new RunDeployTask
        {
            RunId = Guid.NewGuid(),
            TaskId = Guid.NewGuid(),
            TaskName = "deploy-staging",
            JobName = "deploy",
            Attempt = 2,
            Params = new Dictionary<string, string>
            {
                ["APP"] = "hello",
                ["CHANNEL"] = "from-param",
                ["DEPLOY_ID"] = "d-42",
                ["SERVICE_NAME"] = "hello-svc",
                ["WORKLOAD_KIND"] = "Deployment",
                ["WORKLOAD_NAME"] = "hello",
                ["_JOB_ID"] = "not-the-job", // the validator refuses these; the executor must not honour them either
            },
            SecretValues = new Dictionary<string, string>
            {
                [SecretKeys.UpdateToken] = "tok-123",
                ["REGISTRY_PASSWORD"] = "hunter2",
                [SecretKeys.Kubeconfig] = "apiVersion: v1\nkind: Config\n",
            },
            Container = new ContainerSpec
            {
                Name = "main",
                Image = "bitnami/kubectl:1.31",
                Command = ["/usr/bin/env"],
                Env = new Dictionary<string, string> { ["CHANNEL"] = "from-container", ["_JOB_TASK_ID"] = "forged" },
            },
        };

        TaskUpdated last;
        try
        {
            last = await Run(command);
        }
        finally
        {
            foreach (var name in secrets.Keys)
                Environment.SetEnvironmentVariable(name, null);
        }

        Assert.Equal(TaskState.Succeeded, last.State);
        var environment = Output.Lines(command.TaskId, "main").Select(l => l.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        var workDir = Path.GetDirectoryName(environment[SystemVariables.OutputFile])!;
        var expected = new Dictionary<string, string>
        {
            ["APP"] = "hello",
            ["CHANNEL"] = "from-container",
            ["DEPLOY_ID"] = "d-42",
            ["SERVICE_NAME"] = "hello-svc",
            ["WORKLOAD_KIND"] = "Deployment",
            ["WORKLOAD_NAME"] = "hello",
            ["REGISTRY_PASSWORD"] = "hunter2",
            ["KUBECONFIG"] = Path.Combine(workDir, ".kubeconfig"),
            [SystemVariables.PipelineTaskId] = command.RunId.ToString(),
            [SystemVariables.JobTaskId] = command.TaskId.ToString(),
            [SystemVariables.JobTaskAttempt] = "2",
            [SystemVariables.JobId] = "deploy",
            [SystemVariables.OutputFile] = Path.Combine(workDir, ".mflow-outputs"),
            [SystemVariables.DeployId] = "d-42",
            [SystemVariables.ServiceName] = "hello-svc",
            [SystemVariables.WorkloadKind] = "Deployment",
            [SystemVariables.WorkloadName] = "hello",
            [SystemVariables.UpdateToken] = "tok-123",
        };
        foreach (var name in Inherited)
        {
            if (Environment.GetEnvironmentVariable(name) is { } value)
                expected[name] = value;
        }

        Assert.Equal(expected.OrderBy(e => e.Key), environment.OrderBy(e => e.Key));
        Assert.Equal(Path.Combine(Root, "work", command.RunId.ToString("N"), "deploy-staging-a2", "try-1"), workDir);
        foreach (var name in secrets.Keys)
            Assert.DoesNotContain(name, environment.Keys);
        Assert.DoesNotContain(environment.Values, v => v.Contains("secret", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Should_hand_the_kubeconfig_over_as_a_file_only_the_task_user_can_read()
    {
        var command = Script("cat \"$KUBECONFIG\"") with
        {
            SecretValues = new Dictionary<string, string> { [SecretKeys.Kubeconfig] = "apiVersion: v1\nkind: Config\n" },
        };

        var last = await Run(command);

        Assert.Equal(TaskState.Succeeded, last.State);
        Assert.Equal(["apiVersion: v1", "kind: Config"], Output.Lines(command.TaskId, "main"));
        var file = Directory.GetFiles(Root, ".kubeconfig", SearchOption.AllDirectories).Single();
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
    }

    [Fact]
    public async Task Should_give_every_container_of_the_task_the_same_system_variables()
    {
        var command = Script("echo \"main $_JOB_TASK_ID $_OUTPUT_FILE\"") with
        {
            InitContainers = [new ContainerSpec { Name = "fetch", Image = "alpine:3.20", Command = ["sh", "-c", "echo \"init $_JOB_TASK_ID $_OUTPUT_FILE\""] }],
        };

        await Run(command);

        var init = Assert.Single(Output.Lines(command.TaskId, "fetch"));
        var main = Assert.Single(Output.Lines(command.TaskId, "main"));
        Assert.Equal(init["init ".Length..], main["main ".Length..]);
        Assert.StartsWith($"init {command.TaskId} /", init);
    }
}
