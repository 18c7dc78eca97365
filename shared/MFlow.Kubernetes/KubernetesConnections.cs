using k8s;

namespace MFlow.Kubernetes;

/// <summary>
/// Where a worker's own cluster is and how to authenticate to it, as the official client reads it:
/// any kubeconfig it supports (token, client certificate, OIDC, exec plugins such as
/// <c>aws eks get-token</c>, <c>gke-gcloud-auth-plugin</c> or <c>kubelogin</c>, which then run in
/// the worker's container) or the pod's service account. Registered clusters' kubeconfigs are
/// never read this way (that runs their exec plugins): see <see cref="KubeconfigValidator"/>.
/// </summary>
public static class KubernetesConnections
{
    /// <summary>A kubeconfig file; relative paths in it are resolved against its directory.</summary>
    /// <param name="path">The file.</param>
    /// <param name="context">The context to use; the file's current-context when null.</param>
    public static KubernetesClientConfiguration FromFile(string path, string? context = null) =>
        KubernetesClientConfiguration.BuildConfigFromConfigFile(path, context);

    /// <summary>Kubeconfig content, e.g. a test server's.</summary>
    public static KubernetesClientConfiguration FromYaml(string yaml, string? context = null)
    {
        using var stream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(yaml));
        return KubernetesClientConfiguration.BuildConfigFromConfigFile(stream, context);
    }

    /// <summary>
    /// The pod's service account when running in a cluster (its token re-read as it rotates), else
    /// the first file of <c>KUBECONFIG</c>, else <c>~/.kube/config</c>.
    /// </summary>
    /// <param name="context">The kubeconfig context to use; ignored in a cluster.</param>
    public static KubernetesClientConfiguration FromEnvironment(string? context = null) =>
        KubernetesClientConfiguration.IsInCluster()
            ? KubernetesClientConfiguration.InClusterConfig()
            : FromFile(
                Environment.GetEnvironmentVariable("KUBECONFIG")?.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault()
                    ?? KubernetesClientConfiguration.KubeConfigDefaultLocation,
                context);
}
