using k8s;

namespace MFlow.Kubernetes.Tests.Support;

internal static class TestClients
{
    public const string Token = "test-token-c2VjcmV0";

    /// <summary>The official client with MFlow's request handler in front of <paramref name="stub"/> (virtual-time retries, no rate limit).</summary>
    public static KubernetesApi Create(StubHandler stub, Action<KubernetesClientOptions>? configure = null)
    {
        var options = new KubernetesClientOptions { QueriesPerSecond = 0, TimeProvider = new VirtualTimeProvider() };
        configure?.Invoke(options);
        var configuration = new KubernetesClientConfiguration { Host = "https://k8s.test:6443", AccessToken = Token, Namespace = "ns" };
        return new KubernetesApi(new k8s.Kubernetes(configuration, new KubernetesRequestHandler(options), stub), "ns");
    }
}
