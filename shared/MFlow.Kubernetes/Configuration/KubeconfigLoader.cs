using System.Security.Cryptography.X509Certificates;
using System.Text;
using YamlDotNet.Core;
using YamlDotNet.Serialization;

namespace MFlow.Kubernetes.Configuration;

/// <summary>Turns kubeconfig content into a <see cref="KubernetesConnection"/> for one context.</summary>
internal static class KubeconfigLoader
{
    private static readonly IDeserializer Deserializer = new DeserializerBuilder()
        .IgnoreUnmatchedProperties()
        .Build();

    public static KubernetesConnection Load(string yaml, string? contextName, string? baseDirectory, TimeProvider timeProvider)
    {
        var document = Parse(yaml);

        var selected = contextName ?? document.CurrentContext;
        if (string.IsNullOrEmpty(selected))
        {
            throw new KubernetesConfigurationException("The kubeconfig has no current-context and no context was given.");
        }

        var context = document.Contexts?.FirstOrDefault(c => c.Name == selected)?.Context
            ?? throw new KubernetesConfigurationException(
                $"Context '{selected}' is not in the kubeconfig (contexts: {Names(document.Contexts?.Select(c => c.Name))}).");

        var cluster = document.Clusters?.FirstOrDefault(c => c.Name == context.Cluster)?.Cluster
            ?? throw new KubernetesConfigurationException(
                $"Cluster '{context.Cluster}' of context '{selected}' is not in the kubeconfig (clusters: {Names(document.Clusters?.Select(c => c.Name))}).");

        // A context without a user is valid (anonymous access); a named user must exist.
        KubeconfigUser? user = null;
        if (!string.IsNullOrEmpty(context.User))
        {
            user = document.Users?.FirstOrDefault(u => u.Name == context.User)?.User
                ?? throw new KubernetesConfigurationException(
                    $"User '{context.User}' of context '{selected}' is not in the kubeconfig (users: {Names(document.Users?.Select(u => u.Name))}).");
        }

        var server = ParseServer(cluster.Server, context.Cluster!);
        var ca = LoadCa(cluster, context.Cluster!, baseDirectory);
        var (tokenSource, clientCertificate) = LoadCredentials(user, context.User, baseDirectory, timeProvider);

        Uri? proxy = null;
        if (!string.IsNullOrEmpty(cluster.ProxyUrl) && !Uri.TryCreate(cluster.ProxyUrl, UriKind.Absolute, out proxy))
        {
            throw new KubernetesConfigurationException($"The proxy-url of cluster '{context.Cluster}' is not a valid URL.");
        }

        return new KubernetesConnection(
            server,
            string.IsNullOrEmpty(context.Namespace) ? KubernetesConnection.DefaultNamespace : context.Namespace,
            $"kubeconfig context \"{selected}\"",
            tokenSource,
            ca,
            clientCertificate,
            cluster.InsecureSkipTlsVerify,
            proxy);
    }

    private static KubeconfigDocument Parse(string yaml)
    {
        try
        {
            return Deserializer.Deserialize<KubeconfigDocument?>(yaml)
                ?? throw new KubernetesConfigurationException("The kubeconfig is empty.");
        }
        catch (YamlException ex)
        {
            // Only the position: the message of a YAML error can quote content, which may be a credential.
            throw new KubernetesConfigurationException(
                $"The kubeconfig is not valid YAML (line {ex.Start.Line}, column {ex.Start.Column}).");
        }
    }

    private static Uri ParseServer(string? server, string clusterName)
    {
        if (string.IsNullOrWhiteSpace(server))
        {
            throw new KubernetesConfigurationException($"Cluster '{clusterName}' has no server.");
        }

        // kubectl accepts a bare host:port and assumes https.
        var text = server.Contains("://", StringComparison.Ordinal) ? server : $"https://{server}";
        return Uri.TryCreate(text, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)
            ? uri
            : throw new KubernetesConfigurationException($"The server of cluster '{clusterName}' is not a valid http(s) URL.");
    }

    private static X509Certificate2Collection? LoadCa(KubeconfigCluster cluster, string clusterName, string? baseDirectory)
    {
        if (!string.IsNullOrEmpty(cluster.CertificateAuthorityData))
        {
            return CertificateLoader.LoadCaPem(
                DecodeBase64(cluster.CertificateAuthorityData, $"certificate-authority-data of cluster '{clusterName}'"),
                $"certificate-authority-data of cluster '{clusterName}'");
        }

        return string.IsNullOrEmpty(cluster.CertificateAuthority)
            ? null
            : CertificateLoader.LoadCaFile(Resolve(cluster.CertificateAuthority, baseDirectory, $"certificate-authority of cluster '{clusterName}'"), $"certificate-authority of cluster '{clusterName}'");
    }

    private static (ITokenSource? Token, X509Certificate2? ClientCertificate) LoadCredentials(
        KubeconfigUser? user,
        string? userName,
        string? baseDirectory,
        TimeProvider timeProvider)
    {
        if (user is null)
        {
            return (null, null);
        }

        ITokenSource? tokenSource = null;
        if (!string.IsNullOrEmpty(user.Token))
        {
            tokenSource = new StaticTokenSource(user.Token);
        }
        else if (!string.IsNullOrEmpty(user.TokenFile))
        {
            tokenSource = new FileTokenSource(Resolve(user.TokenFile, baseDirectory, $"tokenFile of user '{userName}'"), timeProvider);
        }

        var certificatePem = ReadPem(user.ClientCertificateData, user.ClientCertificate, "client-certificate", userName!, baseDirectory);
        var keyPem = ReadPem(user.ClientKeyData, user.ClientKey, "client-key", userName!, baseDirectory);
        X509Certificate2? clientCertificate = null;
        if (certificatePem is not null || keyPem is not null)
        {
            if (certificatePem is null || keyPem is null)
            {
                throw new KubernetesConfigurationException(
                    $"User '{userName}' has a client certificate without a key or a key without a certificate; both are needed.");
            }

            clientCertificate = CertificateLoader.LoadClientCertificate(certificatePem, keyPem, $"user '{userName}'");
        }

        if (tokenSource is null && clientCertificate is null)
        {
            if (user.Exec is not null)
            {
                throw new KubernetesConfigurationException(
                    $"User '{userName}' authenticates through an exec credential plugin, which MFlow does not support. " +
                    "Use a kubeconfig with a token, tokenFile or client certificate (e.g. a service account token).");
            }

            if (user.AuthProvider is not null)
            {
                throw new KubernetesConfigurationException(
                    $"User '{userName}' authenticates through an auth-provider plugin, which MFlow does not support. " +
                    "Use a kubeconfig with a token, tokenFile or client certificate (e.g. a service account token).");
            }

            if (!string.IsNullOrEmpty(user.Username) || !string.IsNullOrEmpty(user.Password))
            {
                throw new KubernetesConfigurationException(
                    $"User '{userName}' uses basic authentication (username/password), which MFlow does not support (Kubernetes removed it in 1.19).");
            }
        }

        return (tokenSource, clientCertificate);
    }

    private static string? ReadPem(string? data, string? path, string field, string userName, string? baseDirectory)
    {
        if (!string.IsNullOrEmpty(data))
        {
            return DecodeBase64(data, $"{field}-data of user '{userName}'");
        }

        if (string.IsNullOrEmpty(path))
        {
            return null;
        }

        var fullPath = Resolve(path, baseDirectory, $"{field} of user '{userName}'");
        try
        {
            return File.ReadAllText(fullPath);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new KubernetesConfigurationException($"Cannot read the {field} file '{fullPath}' of user '{userName}': {ex.Message}", ex);
        }
    }

    private static string DecodeBase64(string data, string what)
    {
        try
        {
            return Encoding.UTF8.GetString(Convert.FromBase64String(data.Trim()));
        }
        catch (FormatException)
        {
            throw new KubernetesConfigurationException($"{what} is not valid base64.");
        }
    }

    // Without a base directory the kubeconfig is content from elsewhere (a registered cluster's): a
    // file it names would be read from this machine, which is neither where it came from nor safe.
    private static string Resolve(string path, string? baseDirectory, string field) => baseDirectory is null
        ? throw new KubernetesConfigurationException($"The {field} is a file path; a kubeconfig given as content must carry it inline (the -data field, or token).")
        : Path.IsPathRooted(path) ? path : Path.GetFullPath(Path.Combine(baseDirectory, path));

    private static string Names(IEnumerable<string?>? names) =>
        names?.Where(n => !string.IsNullOrEmpty(n)).ToList() is { Count: > 0 } list ? string.Join(", ", list) : "none";
}
