using k8s.Models;
using MFlow.Kubernetes;
using MFlow.Kubernetes.Fake;

namespace MFlow.IntegrationTests.Support;

/// <summary>
/// The Secrets an operator creates in the tasks' namespace before running tasks that name them (the
/// fake's kubelet, like a real one, starts no pod whose Secret is missing): the kaniko registry
/// credentials every build task mounts by default (REGISTRY_SECRET), and the SSH keys and known_hosts
/// the tests' pipelines name. Created through the API, as <c>kubectl create secret generic</c> does.
/// </summary>
public static class OperatorSecrets
{
    const string HostKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";
    const string PrivateKey = "-----BEGIN OPENSSH PRIVATE KEY-----\nnot a real key\n-----END OPENSSH PRIVATE KEY-----\n";

    public static async Task CreateAsync(FakeKubernetesServer server, string @namespace)
    {
        using var client = KubernetesApi.Create(KubernetesConnections.FromYaml(server.CreateKubeconfig(@namespace)));
        foreach (var (name, key, value) in new[]
        {
            ("kaniko-secret", "config.json", """{"auths":{"registry.example.com":{"auth":"dXNlcjpwYXNz"}}}"""),
            ("git-ssh-key", "id_rsa", PrivateKey),
            ("git-known-hosts", "known_hosts", $"git.example.com {HostKey}\n"),
            ("vm-ssh-key", "ssh-privatekey", PrivateKey),
            ("vm-known-hosts", "known_hosts", $"vm-1.example.com {HostKey}\n"),
        })
        {
            await client.CreateSecretAsync(new V1Secret
            {
                Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = @namespace },
                StringData = new Dictionary<string, string> { [key] = value },
            });
        }
    }
}
