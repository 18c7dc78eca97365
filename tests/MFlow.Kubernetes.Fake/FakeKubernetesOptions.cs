using System.Text.Json.Nodes;

namespace MFlow.Kubernetes.Fake;

/// <summary>Settings of a <see cref="FakeKubernetesServer"/>; every property has a usable default.</summary>
public sealed class FakeKubernetesOptions
{
    /// <summary>The bearer token the server accepts for <see cref="TokenUser"/>; random when null.</summary>
    public string? Token { get; set; }

    /// <summary>The user name requests authenticated with <see cref="Token"/> act as.</summary>
    public string TokenUser { get; set; } = "fake-admin";

    /// <summary>More accepted bearer tokens, each mapped to the user name it authenticates.</summary>
    public IDictionary<string, string> AdditionalTokens { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>The user (certificate common name) of the client certificate put in kubeconfigs.</summary>
    public string ClientCertificateUser { get; set; } = "fake-admin";

    /// <summary>
    /// Decides whether an authenticated request is allowed; null allows everything. A denied request
    /// answers 403 Forbidden with the apiserver's RBAC message.
    /// </summary>
    public Func<AccessRequest, bool>? Authorize { get; set; }

    /// <summary>How often a watch with <c>allowWatchBookmarks=true</c> receives a BOOKMARK event.</summary>
    public TimeSpan BookmarkInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How many events the server keeps for watch replay. Older revisions become "too old" (410 Gone),
    /// as etcd compaction makes them on a real cluster.
    /// </summary>
    public int HistoryLimit { get; set; } = 100_000;

    /// <summary>Drives each new Job pod automatically; see <see cref="FakeKubernetesServer.AutoRun"/>.</summary>
    public Func<JsonObject, PodScript?>? AutoRun { get; set; }

    /// <summary>The default timeout of the server's wait helpers.</summary>
    public TimeSpan DefaultWaitTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The Kubernetes version <c>/version</c> reports.</summary>
    public string KubernetesVersion { get; set; } = "v1.34.0";
}
