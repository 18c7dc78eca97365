using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;

namespace MFlow.Kubernetes.Configuration;

/// <summary>
/// Where the API server is and how to authenticate to it: built from a kubeconfig (file or
/// inline YAML) or from the in-cluster service account. Holds credentials, so its
/// <see cref="ToString"/> shows only the server, namespace and the kind of authentication.
/// </summary>
public sealed class KubernetesConnection
{
    /// <summary>The namespace used when a kubeconfig context names none.</summary>
    public const string DefaultNamespace = "default";

    private readonly X509Certificate2Collection? _caCertificates;
    private readonly X509Certificate2? _clientCertificate;
    private readonly Uri? _proxy;

    internal KubernetesConnection(
        Uri server,
        string @namespace,
        string source,
        ITokenSource? tokenSource = null,
        X509Certificate2Collection? caCertificates = null,
        X509Certificate2? clientCertificate = null,
        bool skipTlsVerify = false,
        Uri? proxy = null)
    {
        Server = server;
        Namespace = @namespace;
        Source = source;
        TokenSource = tokenSource;
        _caCertificates = caCertificates;
        _clientCertificate = clientCertificate;
        SkipTlsVerify = skipTlsVerify;
        _proxy = proxy;
    }

    /// <summary>The API server base address (may include a path prefix, e.g. behind a proxy).</summary>
    public Uri Server { get; }

    /// <summary>The namespace of the kubeconfig context, or of the pod when in-cluster.</summary>
    public string Namespace { get; }

    /// <summary>Where this came from, e.g. <c>kubeconfig context "dev"</c> or <c>in-cluster</c>.</summary>
    public string Source { get; }

    /// <summary>Whether server certificate verification is off (only when the kubeconfig says <c>insecure-skip-tls-verify</c>).</summary>
    public bool SkipTlsVerify { get; }

    /// <summary>Whether the server certificate is validated against a CA given in the configuration (rather than the system store).</summary>
    public bool HasCustomCertificateAuthority => _caCertificates is { Count: > 0 };

    /// <summary>How requests authenticate: <c>none</c>, <c>token</c>, <c>token-file</c>, <c>client-certificate</c> or a combination.</summary>
    public string AuthenticationMethod =>
        (TokenSource, _clientCertificate) switch
        {
            (null, null) => "none",
            (not null, null) => TokenSource.Description,
            (null, not null) => "client-certificate",
            _ => $"{TokenSource.Description}+client-certificate",
        };

    internal ITokenSource? TokenSource { get; }

    /// <summary>Reads a kubeconfig file; relative file paths in it are resolved against its directory.</summary>
    /// <param name="path">The kubeconfig file.</param>
    /// <param name="context">The context to use; the file's <c>current-context</c> when null.</param>
    /// <exception cref="KubernetesConfigurationException">The file cannot be read or the context cannot be used.</exception>
    public static KubernetesConnection FromKubeconfigFile(string path, string? context = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string yaml;
        try
        {
            yaml = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new KubernetesConfigurationException($"Cannot read kubeconfig file '{path}': {ex.Message}", ex);
        }

        var directory = Path.GetDirectoryName(Path.GetFullPath(path)) ?? Directory.GetCurrentDirectory();
        return KubeconfigLoader.Load(yaml, context, directory, TimeProvider.System);
    }

    /// <summary>Reads kubeconfig content given inline (e.g. a registered cluster's stored kubeconfig).</summary>
    /// <param name="yaml">The kubeconfig YAML (or JSON).</param>
    /// <param name="context">The context to use; the content's <c>current-context</c> when null.</param>
    /// <param name="baseDirectory">Resolves relative file paths in the content; the current directory when null.</param>
    /// <exception cref="KubernetesConfigurationException">The content is invalid or the context cannot be used.</exception>
    public static KubernetesConnection FromKubeconfigYaml(string yaml, string? context = null, string? baseDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        return KubeconfigLoader.Load(yaml, context, baseDirectory ?? Directory.GetCurrentDirectory(), TimeProvider.System);
    }

    /// <summary>
    /// Reads kubeconfig content that came from elsewhere (a registered cluster's), which must carry its
    /// credentials inline: a file path in it (certificate-authority, client-certificate, client-key,
    /// tokenFile) is refused rather than read from this machine.
    /// </summary>
    /// <exception cref="KubernetesConfigurationException">The content is invalid, names a file, or the context cannot be used.</exception>
    public static KubernetesConnection FromKubeconfigContent(string yaml, string? context = null)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        return KubeconfigLoader.Load(yaml, context, baseDirectory: null, TimeProvider.System);
    }

    /// <summary>
    /// Connects as the pod's service account: the API server from <c>KUBERNETES_SERVICE_HOST</c>
    /// and <c>KUBERNETES_SERVICE_PORT</c>, the token, CA and namespace from the mounted files.
    /// The token file is re-read at most every minute and after a 401, because bound tokens rotate.
    /// </summary>
    /// <exception cref="KubernetesConfigurationException">Not running in a cluster, or the files are missing.</exception>
    public static KubernetesConnection InCluster(InClusterOptions? options = null)
    {
        options ??= new InClusterOptions();
        var host = options.ResolvedHost;
        var port = options.ResolvedPort;
        if (string.IsNullOrEmpty(host) || string.IsNullOrEmpty(port))
        {
            throw new KubernetesConfigurationException(
                "Not running in a Kubernetes cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be set.");
        }

        // An IPv6 service address needs brackets in a URI.
        var hostPart = host.Contains(':', StringComparison.Ordinal) && !host.StartsWith('[') ? $"[{host}]" : host;
        if (!Uri.TryCreate($"https://{hostPart}:{port}", UriKind.Absolute, out var server))
        {
            throw new KubernetesConfigurationException($"KUBERNETES_SERVICE_HOST/PORT ('{host}', '{port}') do not form a valid address.");
        }

        var ca = CertificateLoader.LoadCaFile(options.ResolvedCaCertificatePath, "the in-cluster CA");
        var tokenSource = new FileTokenSource(options.ResolvedTokenPath, options.TimeProvider);
        var @namespace = File.Exists(options.ResolvedNamespacePath)
            ? File.ReadAllText(options.ResolvedNamespacePath).Trim()
            : "";
        return new KubernetesConnection(
            server,
            @namespace.Length > 0 ? @namespace : DefaultNamespace,
            "in-cluster",
            tokenSource,
            ca);
    }

    /// <summary>Whether <see cref="InCluster"/> can work: the service variables are set and the token file exists.</summary>
    public static bool IsInCluster(InClusterOptions? options = null)
    {
        options ??= new InClusterOptions();
        return !string.IsNullOrEmpty(options.ResolvedHost)
            && !string.IsNullOrEmpty(options.ResolvedPort)
            && File.Exists(options.ResolvedTokenPath);
    }

    /// <summary>
    /// The connection a process should use by default: in-cluster when running in a pod, else the
    /// first file of <c>KUBECONFIG</c>, else <c>~/.kube/config</c> (merging several kubeconfig
    /// files is not supported).
    /// </summary>
    /// <param name="context">The kubeconfig context to use; ignored in-cluster.</param>
    public static KubernetesConnection FromEnvironment(string? context = null)
    {
        if (IsInCluster())
        {
            return InCluster();
        }

        var path = Environment.GetEnvironmentVariable("KUBECONFIG")?
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .FirstOrDefault();
        path ??= Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".kube", "config");
        return FromKubeconfigFile(path, context);
    }

    /// <summary>Connects to a server given directly, e.g. a test server.</summary>
    /// <param name="server">The API server address.</param>
    /// <param name="bearerToken">The token to send, or null for none.</param>
    /// <param name="caCertificatePem">PEM CA bundle the server certificate must chain to; the system store when null.</param>
    /// <param name="namespace">The default namespace.</param>
    public static KubernetesConnection ForServer(Uri server, string? bearerToken = null, string? caCertificatePem = null, string @namespace = DefaultNamespace)
    {
        ArgumentNullException.ThrowIfNull(server);
        var ca = caCertificatePem is null ? null : CertificateLoader.LoadCaPem(caCertificatePem, "the given CA");
        var tokenSource = bearerToken is null ? null : new StaticTokenSource(bearerToken);
        return new KubernetesConnection(server, @namespace, "explicit", tokenSource, ca);
    }

    /// <summary>Describes the connection without any credential.</summary>
    public override string ToString() =>
        $"{Server} (namespace {Namespace}, {Source}, auth {AuthenticationMethod}{(SkipTlsVerify ? ", TLS verification OFF" : "")})";

    /// <summary>
    /// Builds the handler all requests share: pinned CA or explicit skip, client certificate,
    /// connection pooling with a bounded lifetime, and keep-alive probes.
    /// </summary>
    internal SocketsHttpHandler CreateHandler(TimeSpan pooledConnectionLifetime)
    {
        var handler = new SocketsHttpHandler
        {
            // Recycling connections lets DNS and load-balancer changes take effect.
            PooledConnectionLifetime = pooledConnectionLifetime,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(90),
            AutomaticDecompression = DecompressionMethods.GZip,

            // Watches are long-lived streams; over HTTP/2 each is a stream of a shared connection,
            // and the server caps streams per connection, so allow more than one connection.
            EnableMultipleHttp2Connections = true,
            KeepAlivePingDelay = TimeSpan.FromSeconds(30),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(15),
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
            ConnectCallback = ConnectWithKeepAliveAsync,
        };

        if (_proxy is not null)
        {
            handler.Proxy = new WebProxy(_proxy);
            handler.UseProxy = true;
        }

        if (SkipTlsVerify)
        {
            // Only ever reached when the kubeconfig explicitly sets insecure-skip-tls-verify.
            handler.SslOptions.RemoteCertificateValidationCallback = static (_, _, _, _) => true;
        }
        else if (_caCertificates is { Count: > 0 })
        {
            // Trust exactly the configured CA, not the machine's store: a cluster CA is private,
            // and any other issuer must not be able to impersonate the API server. Host name
            // checks still apply because no validation callback overrides them.
            var policy = new X509ChainPolicy
            {
                TrustMode = X509ChainTrustMode.CustomRootTrust,
                RevocationMode = X509RevocationMode.NoCheck,
            };
            policy.CustomTrustStore.AddRange(_caCertificates);
            handler.SslOptions.CertificateChainPolicy = policy;
        }

        if (_clientCertificate is not null)
        {
            handler.SslOptions.ClientCertificates = [_clientCertificate];
            // Offer the certificate even when the server's list of acceptable issuers does not name
            // its CA; otherwise SslStream silently sends none and the server answers 401.
            handler.SslOptions.LocalCertificateSelectionCallback = (_, _, _, _, _) => _clientCertificate;
        }

        return handler;
    }

    private static async ValueTask<Stream> ConnectWithKeepAliveAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        // TCP keep-alive detects a watch connection whose peer vanished without a FIN (node
        // failure, NAT timeout); without it an HTTP/1.1 watch could wait forever.
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
            socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveTime, 30);
            socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveInterval, 10);
            socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveRetryCount, 3);
            await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
