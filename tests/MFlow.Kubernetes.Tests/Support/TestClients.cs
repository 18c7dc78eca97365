using MFlow.Kubernetes.Configuration;

namespace MFlow.Kubernetes.Tests.Support;

internal static class TestClients
{
    public const string Token = "test-token-c2VjcmV0";

    public static readonly Uri Server = new("https://k8s.test:6443");

    /// <summary>A client over <paramref name="handler"/> with fast, virtual-time retries and no rate limit.</summary>
    public static KubernetesClient Create(StubHandler handler, Action<KubernetesClientOptions>? configure = null, KubernetesConnection? connection = null)
    {
        var options = new KubernetesClientOptions { RateLimitEnabled = false, TimeProvider = new VirtualTimeProvider() };
        configure?.Invoke(options);
        return new KubernetesClient(connection ?? KubernetesConnection.ForServer(Server, Token), options, handler, logger: null);
    }
}
