using k8s;
using k8s.Models;
using MFlow.Kubernetes.Fake;

namespace MFlow.Kubernetes.Tests.Integration;

/// <summary>A fresh fake API server per test class instance (so per test), and the official client for it.</summary>
public abstract class FakeServerTest : IAsyncLifetime
{
    protected const string Namespace = "mflow-test";

    protected FakeKubernetesServer Server { get; private set; } = null!;

    protected KubernetesApi Api { get; private set; } = null!;

    protected IKubernetes Client => Api.Client;

    public async Task InitializeAsync()
    {
        Server = await FakeKubernetesServer.StartAsync();
        Api = CreateApi(KubernetesConnections.FromYaml(Server.CreateKubeconfig(Namespace)));
    }

    public async Task DisposeAsync()
    {
        Api.Dispose();
        await Server.DisposeAsync();
    }

    protected static KubernetesApi CreateApi(KubernetesClientConfiguration configuration, int maxAttempts = 5) =>
        KubernetesApi.Create(configuration, new KubernetesClientOptions { MaxAttempts = maxAttempts, InitialBackoff = TimeSpan.FromMilliseconds(50) });

    protected static V1Job NewJob(string name, string restartPolicy = "Never", string run = "run-1", string @namespace = Namespace) => new()
    {
        ApiVersion = "batch/v1",
        Kind = "Job",
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = @namespace, Labels = new Dictionary<string, string> { ["mflow.io/run"] = run } },
        Spec = new V1JobSpec
        {
            BackoffLimit = 0,
            ActiveDeadlineSeconds = 600,
            Template = new V1PodTemplateSpec
            {
                Spec = new V1PodSpec
                {
                    RestartPolicy = restartPolicy,
                    Containers = [new V1Container { Name = "main", Image = "busybox:1.36", Command = ["sh", "-c", "echo hi"] }],
                },
            },
        },
    };
}
