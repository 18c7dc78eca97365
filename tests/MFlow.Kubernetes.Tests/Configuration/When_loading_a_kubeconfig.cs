using System.Text;
using MFlow.Kubernetes.Configuration;
using MFlow.Kubernetes.Tests.Support;

namespace MFlow.Kubernetes.Tests.Configuration;

public sealed class When_loading_a_kubeconfig : IDisposable
{
    private const string Secret = "s3cr3t-token-value";
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private static string B64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    private static string Kubeconfig(string user, string cluster = "    server: https://10.0.0.1:6443", string? currentContext = "dev", string contextNamespace = "    namespace: builds") =>
        $"""
        apiVersion: v1
        kind: Config
        {(currentContext is null ? "" : $"current-context: {currentContext}")}
        preferences: {"{}"}
        clusters:
        - name: dev-cluster
          cluster:
        {cluster}
        - name: prod-cluster
          cluster:
            server: https://prod.example:443
        contexts:
        - name: dev
          context:
            cluster: dev-cluster
            user: dev-user
        {contextNamespace}
        - name: prod
          context:
            cluster: prod-cluster
            user: prod-user
        users:
        - name: dev-user
          user:
        {user}
        - name: prod-user
          user:
            token: prod-token
        """;

    [Fact]
    public void Should_use_the_current_context_with_its_token_server_and_namespace()
    {
        var connection = KubernetesConnection.FromKubeconfigYaml(Kubeconfig($"    token: {Secret}"));

        Assert.Equal(new Uri("https://10.0.0.1:6443"), connection.Server);
        Assert.Equal("builds", connection.Namespace);
        Assert.Equal("token", connection.AuthenticationMethod);
        Assert.Equal(Secret, connection.TokenSource!.GetToken());
        Assert.False(connection.SkipTlsVerify);
        Assert.False(connection.HasCustomCertificateAuthority);
    }

    [Fact]
    public void Should_use_a_named_context_and_default_namespace_when_the_context_has_none()
    {
        var connection = KubernetesConnection.FromKubeconfigYaml(Kubeconfig($"    token: {Secret}"), context: "prod");

        Assert.Equal(new Uri("https://prod.example:443"), connection.Server);
        Assert.Equal("default", connection.Namespace);
        Assert.Equal("prod-token", connection.TokenSource!.GetToken());
        Assert.Contains("\"prod\"", connection.Source, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_read_a_kubeconfig_file_and_resolve_relative_paths_against_its_directory()
    {
        _temp.Write("creds/token", $"{Secret}\n");
        var path = _temp.Write("kube/config", Kubeconfig("    tokenFile: ../creds/token"));

        var connection = KubernetesConnection.FromKubeconfigFile(path);

        Assert.Equal("token-file", connection.AuthenticationMethod);
        Assert.Equal(Secret, connection.TokenSource!.GetToken());
    }

    [Theory]
    [InlineData("    tokenFile: /var/run/secrets/kubernetes.io/serviceaccount/token", "", "tokenFile of user 'dev-user'")]
    [InlineData("    client-certificate: /etc/kubernetes/pki/admin.crt\n    client-key: /etc/kubernetes/pki/admin.key", "", "client-certificate of user 'dev-user'")]
    [InlineData("    token: t", "    certificate-authority: /etc/kubernetes/pki/ca.crt", "certificate-authority of cluster 'dev-cluster'")]
    public void Should_refuse_content_that_names_a_file_without_reading_it(string user, string clusterExtra, string field)
    {
        var yaml = Kubeconfig(user, cluster: "    server: https://10.0.0.1:6443" + (clusterExtra.Length > 0 ? "\n" + clusterExtra : ""));

        var error = Assert.Throws<KubernetesConfigurationException>(() => KubernetesConnection.FromKubeconfigContent(yaml));

        Assert.Equal($"The {field} is a file path; a kubeconfig given as content must carry it inline (the -data field, or token).", error.Message);
    }

    [Fact]
    public void Should_name_the_missing_context_and_the_available_ones()
    {
        var ex = Assert.Throws<KubernetesConfigurationException>(
            () => KubernetesConnection.FromKubeconfigYaml(Kubeconfig($"    token: {Secret}"), context: "staging"));

        Assert.Contains("'staging'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("dev, prod", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_fail_when_there_is_no_current_context_and_none_is_given()
    {
        var ex = Assert.Throws<KubernetesConfigurationException>(
            () => KubernetesConnection.FromKubeconfigYaml(Kubeconfig($"    token: {Secret}", currentContext: null)));

        Assert.Contains("current-context", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_name_a_missing_cluster_or_user()
    {
        var yaml = """
            current-context: a
            contexts:
            - name: a
              context: { cluster: nowhere, user: nobody }
            - name: b
              context: { cluster: c, user: nobody }
            clusters:
            - name: c
              cluster: { server: "https://c:6443" }
            users: []
            """;

        var cluster = Assert.Throws<KubernetesConfigurationException>(() => KubernetesConnection.FromKubeconfigYaml(yaml));
        var user = Assert.Throws<KubernetesConfigurationException>(() => KubernetesConnection.FromKubeconfigYaml(yaml, "b"));

        Assert.Contains("Cluster 'nowhere'", cluster.Message, StringComparison.Ordinal);
        Assert.Contains("User 'nobody'", user.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: aws", "exec credential plugin")]
    [InlineData("    auth-provider:\n      name: gcp", "auth-provider plugin")]
    [InlineData("    username: admin\n    password: hunter2", "basic authentication")]
    public void Should_say_that_plugin_and_basic_auth_are_not_supported(string user, string expected)
    {
        var ex = Assert.Throws<KubernetesConfigurationException>(
            () => KubernetesConnection.FromKubeconfigYaml(Kubeconfig(user)));

        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
        Assert.Contains("not support", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_accept_a_plugin_user_that_also_has_a_token()
    {
        var connection = KubernetesConnection.FromKubeconfigYaml(Kubeconfig($"    token: {Secret}\n    exec:\n      command: aws"));

        Assert.Equal("token", connection.AuthenticationMethod);
    }

    [Theory]
    [InlineData("rsa")]
    [InlineData("ec")]
    [InlineData("pkcs8")]
    public void Should_load_client_certificate_and_key_data(string keyFormat)
    {
        var (certificate, key) = TestCertificates.CreateClient(keyFormat);

        var connection = KubernetesConnection.FromKubeconfigYaml(Kubeconfig(
            $"    client-certificate-data: {B64(certificate)}\n    client-key-data: {B64(key)}"));

        Assert.Equal("client-certificate", connection.AuthenticationMethod);
        using var handler = connection.CreateHandler(TimeSpan.FromMinutes(1));
        var loaded = Assert.Single(handler.SslOptions.ClientCertificates!.Cast<System.Security.Cryptography.X509Certificates.X509Certificate2>());
        Assert.True(loaded.HasPrivateKey);
    }

    [Fact]
    public void Should_load_client_certificate_and_key_files()
    {
        var (certificate, key) = TestCertificates.CreateClient("rsa");
        _temp.Write("client.crt", certificate);
        _temp.Write("client.key", key);
        var path = _temp.Write("config", Kubeconfig("    client-certificate: client.crt\n    client-key: client.key"));

        var connection = KubernetesConnection.FromKubeconfigFile(path);

        Assert.Equal("client-certificate", connection.AuthenticationMethod);
    }

    [Fact]
    public void Should_refuse_a_client_certificate_without_its_key()
    {
        var (certificate, _) = TestCertificates.CreateClient("rsa");

        var ex = Assert.Throws<KubernetesConfigurationException>(
            () => KubernetesConnection.FromKubeconfigYaml(Kubeconfig($"    client-certificate-data: {B64(certificate)}")));

        Assert.Contains("both are needed", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_pin_the_certificate_authority_data()
    {
        var (ca, _) = TestCertificates.CreateCa();

        var connection = KubernetesConnection.FromKubeconfigYaml(Kubeconfig(
            $"    token: {Secret}",
            cluster: $"    server: https://10.0.0.1:6443\n    certificate-authority-data: {B64(ca)}"));

        Assert.True(connection.HasCustomCertificateAuthority);
        using var handler = connection.CreateHandler(TimeSpan.FromMinutes(1));
        var policy = handler.SslOptions.CertificateChainPolicy!;
        Assert.Equal(System.Security.Cryptography.X509Certificates.X509ChainTrustMode.CustomRootTrust, policy.TrustMode);
        Assert.Single(policy.CustomTrustStore);
        Assert.Null(handler.SslOptions.RemoteCertificateValidationCallback);
    }

    [Fact]
    public void Should_pin_a_certificate_authority_file()
    {
        var (ca, _) = TestCertificates.CreateCa();
        _temp.Write("ca.crt", ca);
        var path = _temp.Write("config", Kubeconfig(
            $"    token: {Secret}",
            cluster: "    server: https://10.0.0.1:6443\n    certificate-authority: ca.crt"));

        Assert.True(KubernetesConnection.FromKubeconfigFile(path).HasCustomCertificateAuthority);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Should_skip_tls_verification_only_when_the_kubeconfig_says_so(bool insecure)
    {
        var connection = KubernetesConnection.FromKubeconfigYaml(Kubeconfig(
            $"    token: {Secret}",
            cluster: $"    server: https://10.0.0.1:6443\n    insecure-skip-tls-verify: {(insecure ? "true" : "false")}"));

        Assert.Equal(insecure, connection.SkipTlsVerify);
        using var handler = connection.CreateHandler(TimeSpan.FromMinutes(1));
        Assert.Equal(insecure, handler.SslOptions.RemoteCertificateValidationCallback is not null);
        Assert.Equal(insecure, connection.ToString().Contains("TLS verification OFF", StringComparison.Ordinal));
    }

    [Fact]
    public void Should_never_show_credentials_in_its_string_form()
    {
        var (certificate, key) = TestCertificates.CreateClient("rsa");
        var connection = KubernetesConnection.FromKubeconfigYaml(Kubeconfig(
            $"    token: {Secret}\n    client-certificate-data: {B64(certificate)}\n    client-key-data: {B64(key)}"));

        var text = connection.ToString();

        Assert.Contains("https://10.0.0.1:6443", text, StringComparison.Ordinal);
        Assert.Contains("token+client-certificate", text, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, text, StringComparison.Ordinal);
        Assert.DoesNotContain(B64(key)[..20], text, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_not_echo_bad_data_in_errors()
    {
        var ex = Assert.Throws<KubernetesConfigurationException>(
            () => KubernetesConnection.FromKubeconfigYaml(Kubeconfig("    client-certificate-data: not*base64\n    client-key-data: " + Secret)));
        var yaml = Assert.Throws<KubernetesConfigurationException>(
            () => KubernetesConnection.FromKubeconfigYaml($"users: [ {{ token: {Secret}"));

        Assert.Contains("not valid base64", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("not*base64", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, yaml.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_report_a_missing_kubeconfig_file()
    {
        var ex = Assert.Throws<KubernetesConfigurationException>(
            () => KubernetesConnection.FromKubeconfigFile(Path.Combine(_temp.Path, "absent")));

        Assert.Contains("absent", ex.Message, StringComparison.Ordinal);
    }
}
