using System.Text;
using k8s;
using k8s.KubeConfigModels;
using MFlow.Documents;
using YamlDotNet.Core;

namespace MFlow.Kubernetes;

/// <summary>
/// Checks a kubeconfig that MFlow stores and hands to a task (a registered cluster's, an inline
/// KUBECONFIG param) by its structure alone: it is never loaded into a client, so no exec plugin
/// runs and no token is fetched where it is checked; the task's own kubectl uses it. Credentials
/// must be inline: a file path would name a file of the task's container, which is not there.
/// Problems name the cluster, user or field, never a credential.
/// </summary>
public static class KubeconfigValidator
{
    /// <summary>The exec credential API versions kubectl still speaks (v1alpha1 was removed in 1.24).</summary>
    public static readonly IReadOnlySet<string> ExecApiVersions = new HashSet<string>(StringComparer.Ordinal)
    {
        "client.authentication.k8s.io/v1", "client.authentication.k8s.io/v1beta1",
    };

    /// <summary>What is wrong with <paramref name="content"/>; empty when it is usable.</summary>
    public static IReadOnlyList<string> Problems(string content)
    {
        K8SConfiguration? config;
        FileFields? files;
        try
        {
            // Bounded before the client's parser builds anything: it recurses, and a deeply nested
            // document would overflow the stack, which no catch survives.
            BoundedReader.CheckYaml(content, DocumentLimits.Kubeconfig);
            config = KubernetesYaml.Deserialize<K8SConfiguration>(content, strict: false);
            files = KubernetesYaml.Deserialize<FileFields>(content, strict: false);
        }
        catch (DocumentLimitException ex)
        {
            return [ex.Message];
        }
        catch (YamlException ex)
        {
            // Only the position: the message of a YAML error can quote content, which may be a credential.
            return [$"The kubeconfig is not valid YAML (line {ex.Start.Line}, column {ex.Start.Column})."];
        }

        if (config is null)
            return ["The kubeconfig is empty."];
        var problems = new List<string>();
        var context = config.Contexts?.FirstOrDefault(c => c.Name == config.CurrentContext);
        if (string.IsNullOrEmpty(config.CurrentContext))
            problems.Add("It has no current-context (the task's kubectl uses that one).");
        else if (context?.ContextDetails is not { } details)
            problems.Add($"Its current-context '{config.CurrentContext}' is not among its contexts.");
        else if (config.Clusters?.Any(c => c.Name == details.Cluster) != true)
            problems.Add($"Cluster '{details.Cluster}' of context '{context.Name}' is not among its clusters.");
        else if (!string.IsNullOrEmpty(details.User) && config.Users?.Any(u => u.Name == details.User) != true)
            problems.Add($"User '{details.User}' of context '{context.Name}' is not among its users.");

        foreach (var cluster in config.Clusters ?? [])
            CheckCluster(cluster.Name, cluster.ClusterEndpoint ?? new ClusterEndpoint(), problems);
        foreach (var user in config.Users ?? [])
            CheckUser(user.Name, user.UserCredentials ?? new UserCredentials(), problems);
        foreach (var named in files?.Users ?? [])
        {
            if (!string.IsNullOrEmpty(named.User?.TokenFile))
                problems.Add(FilePath($"tokenFile of user '{named.Name}'", "token"));
        }

        return problems;
    }

    static void CheckCluster(string name, ClusterEndpoint cluster, List<string> problems)
    {
        var server = cluster.Server ?? "";
        // kubectl takes a bare host:port as https.
        if (!Uri.TryCreate(server.Contains("://", StringComparison.Ordinal) ? server : "https://" + server, UriKind.Absolute, out var uri)
            || uri.Scheme is not ("https" or "http") || uri.Host.Length == 0)
            problems.Add($"Cluster '{name}' has no valid server URL.");
        if (!string.IsNullOrEmpty(cluster.CertificateAuthority))
            problems.Add(FilePath($"certificate-authority of cluster '{name}'", "certificate-authority-data"));
        CheckPem(cluster.CertificateAuthorityData, $"certificate-authority-data of cluster '{name}'", problems);
    }

    static void CheckUser(string name, UserCredentials user, List<string> problems)
    {
        if (!string.IsNullOrEmpty(user.ClientCertificate))
            problems.Add(FilePath($"client-certificate of user '{name}'", "client-certificate-data"));
        if (!string.IsNullOrEmpty(user.ClientKey))
            problems.Add(FilePath($"client-key of user '{name}'", "client-key-data"));
        if (string.IsNullOrEmpty(user.ClientCertificateData) != string.IsNullOrEmpty(user.ClientKeyData))
            problems.Add($"User '{name}' has a client certificate without a key or a key without a certificate; both are needed.");
        CheckPem(user.ClientCertificateData, $"client-certificate-data of user '{name}'", problems);
        CheckPem(user.ClientKeyData, $"client-key-data of user '{name}'", problems);
        if (!string.IsNullOrEmpty(user.UserName) || !string.IsNullOrEmpty(user.Password))
            problems.Add($"User '{name}' uses basic authentication (username/password), which Kubernetes removed in 1.19.");

        if (user.ExternalExecution is { } exec)
        {
            if (string.IsNullOrWhiteSpace(exec.Command))
                problems.Add($"The exec plugin of user '{name}' has no command.");
            if (!ExecApiVersions.Contains(exec.ApiVersion ?? ""))
                problems.Add($"The exec plugin of user '{name}' needs apiVersion {string.Join(" or ", ExecApiVersions)}.");
            if (exec.EnvironmentVariables?.Any(e => e is null || string.IsNullOrEmpty(e.GetValueOrDefault("name"))) == true)
                problems.Add($"Every env entry of the exec plugin of user '{name}' needs a name.");
        }

        if (user.AuthProvider is { } provider)
        {
            var config = provider.Config ?? [];
            if (provider.Name != "oidc")
            {
                problems.Add($"User '{name}' uses the '{provider.Name}' auth-provider, which kubectl no longer has; use its exec plugin (gke-gcloud-auth-plugin, kubelogin, aws eks get-token) or oidc.");
            }
            else
            {
                if (!Uri.TryCreate(config.GetValueOrDefault("idp-issuer-url"), UriKind.Absolute, out var issuer) || issuer.Scheme != "https")
                    problems.Add($"The oidc auth-provider of user '{name}' needs an https idp-issuer-url.");
                if (string.IsNullOrEmpty(config.GetValueOrDefault("client-id")))
                    problems.Add($"The oidc auth-provider of user '{name}' needs a client-id.");
                if (string.IsNullOrEmpty(config.GetValueOrDefault("id-token")) && string.IsNullOrEmpty(config.GetValueOrDefault("refresh-token")))
                    problems.Add($"The oidc auth-provider of user '{name}' needs an id-token or a refresh-token.");
                if (!string.IsNullOrEmpty(config.GetValueOrDefault("idp-certificate-authority")))
                    problems.Add(FilePath($"idp-certificate-authority of user '{name}'", "idp-certificate-authority-data"));
                CheckPem(config.GetValueOrDefault("idp-certificate-authority-data"), $"idp-certificate-authority-data of user '{name}'", problems);
            }
        }
    }

    static void CheckPem(string? data, string field, List<string> problems)
    {
        if (string.IsNullOrEmpty(data))
            return;
        var buffer = new byte[data.Length];
        if (!Convert.TryFromBase64String(data.Trim(), buffer, out var length) || !Encoding.ASCII.GetString(buffer, 0, length).Contains("-----BEGIN ", StringComparison.Ordinal))
            problems.Add($"The {field} is not base64-encoded PEM.");
    }

    static string FilePath(string field, string inline) =>
        $"The {field} is a file path; a kubeconfig given to MFlow carries its credentials inline ({inline}).";

    // What the client's kubeconfig model leaves out but a file-path check needs.
    sealed class FileFields
    {
        public List<NamedUser>? Users { get; set; }

        public sealed class NamedUser
        {
            public string? Name { get; set; }

            public UserFiles? User { get; set; }
        }

        public sealed class UserFiles
        {
            public string? TokenFile { get; set; }
        }
    }
}
