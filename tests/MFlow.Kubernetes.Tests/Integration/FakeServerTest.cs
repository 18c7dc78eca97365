using MFlow.Kubernetes.Configuration;
using MFlow.Kubernetes.Fake;
using MFlow.Kubernetes.Models;

namespace MFlow.Kubernetes.Tests.Integration;

/// <summary>A fresh fake API server per test class instance (so per test), and a client for it.</summary>
public abstract class FakeServerTest : IAsyncLifetime
{
    protected const string Namespace = "mflow-test";

    protected FakeKubernetesServer Server { get; private set; } = null!;

    protected KubernetesClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = await FakeKubernetesServer.StartAsync();
        Client = CreateClient(KubernetesConnection.FromKubeconfigYaml(Server.CreateKubeconfig(Namespace)));
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        await Server.DisposeAsync();
    }

    protected static KubernetesClient CreateClient(KubernetesConnection connection, int maxAttempts = 5) =>
        new(connection, new KubernetesClientOptions { MaxAttempts = maxAttempts, InitialBackoff = TimeSpan.FromMilliseconds(50) });

    protected static Job NewJob(string name, string restartPolicy = RestartPolicies.Never, string run = "run-1") =>
        new(
            new ObjectMeta { Name = name, Labels = new() { ["mflow.io/run"] = run } },
            new JobSpec
            {
                BackoffLimit = 0,
                ActiveDeadlineSeconds = 600,
                Template = new PodTemplateSpec
                {
                    Spec = new PodSpec
                    {
                        RestartPolicy = restartPolicy,
                        Containers = [new Container { Name = "main", Image = "busybox:1.36", Command = ["sh", "-c", "echo hi"] }],
                    },
                },
            });
}
