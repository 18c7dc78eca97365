using System.Text;
using MFlow.Kubernetes.Tests.Support;

namespace MFlow.Kubernetes.Tests.Configuration;

/// <summary>Registered clusters' and inline kubeconfigs: checked by structure, never loaded, credentials inline only.</summary>
public sealed class When_checking_a_kubeconfig_given_to_mflow
{
    const string Secret = "c3VwZXItc2VjcmV0LXRva2Vu";

    static string Kubeconfig(string user, string cluster = "server: https://api.example.com:6443") => $"""
        apiVersion: v1
        kind: Config
        current-context: prod
        clusters:
        - name: prod
          cluster:
            {cluster}
        contexts:
        - name: prod
          context: {"{"} cluster: prod, user: deployer, namespace: shop {"}"}
        users:
        - name: deployer
          user:
        {Indent(user, 4)}
        """;

    static string Indent(string text, int spaces) => string.Join('\n', text.Split('\n').Select(l => new string(' ', spaces) + l));

    static string Base64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    public static TheoryData<string> UsersPeopleHave() => new()
    {
        // EKS: aws eks get-token
        """
        exec:
          apiVersion: client.authentication.k8s.io/v1beta1
          command: aws
          args: [eks, get-token, --cluster-name, prod, --region, eu-west-1]
          env:
          - name: AWS_PROFILE
            value: deploy
        """,
        // GKE
        """
        exec:
          apiVersion: client.authentication.k8s.io/v1beta1
          command: gke-gcloud-auth-plugin
          installHint: Install gke-gcloud-auth-plugin for use with kubectl
          provideClusterInfo: true
        """,
        // AKS: kubelogin
        """
        exec:
          apiVersion: client.authentication.k8s.io/v1beta1
          command: kubelogin
          args: [get-token, --login, workloadidentity, --server-id, 6dae42f8-4368-4678-94ff-3960e28e3630]
          interactiveMode: Never
        """,
        // OIDC (Dex, Keycloak)
        $"""
        auth-provider:
          name: oidc
          config:
            idp-issuer-url: https://dex.example.com
            client-id: kubernetes
            client-secret: {Secret}
            id-token: eyJhbGciOiJSUzI1NiJ9.e30.c2ln
            refresh-token: {Secret}
        """,
        $"token: {Secret}",
        $"client-certificate-data: {Base64("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")}\nclient-key-data: {Base64("-----BEGIN EC PRIVATE KEY-----\nMHc\n-----END EC PRIVATE KEY-----\n")}",
    };

    [Theory]
    [MemberData(nameof(UsersPeopleHave))]
    public void Should_accept_the_users_people_have(string user)
    {
        Assert.Empty(KubeconfigValidator.Problems(Kubeconfig(user)));
    }

    [Fact]
    public void Should_refuse_a_kubeconfig_nested_deeper_than_its_limit_without_parsing_it()
    {
        // An inline KUBECONFIG param of 64 KiB of '[' would overflow the stack of a recursive parser.
        var deep = "apiVersion: v1\nkind: Config\nusers: " + new string('[', 30_000) + new string(']', 30_000) + "\n";

        var problem = Assert.Single(KubeconfigValidator.Problems(deep));

        Assert.Contains("nests deeper than 20 levels", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_never_run_an_exec_plugin_while_checking()
    {
        var marker = Path.Combine(Path.GetTempPath(), $"mflow-exec-ran-{Guid.NewGuid():N}");
        var user = $"""
            exec:
              apiVersion: client.authentication.k8s.io/v1
              command: /bin/sh
              args: [-c, "touch {marker}"]
            """;

        Assert.Empty(KubeconfigValidator.Problems(Kubeconfig(user)));
        Assert.False(File.Exists(marker), "the plugin ran");
    }

    [Theory]
    [InlineData("tokenFile: /var/run/secrets/token", "tokenFile of user 'deployer' is a file path")]
    [InlineData("client-certificate: /home/me/.kube/client.crt\nclient-key: /home/me/.kube/client.key", "client-certificate of user 'deployer' is a file path")]
    [InlineData("auth-provider:\n  name: oidc\n  config:\n    idp-issuer-url: https://dex.example.com\n    client-id: k\n    id-token: t\n    idp-certificate-authority: /etc/ca.pem", "idp-certificate-authority of user 'deployer' is a file path")]
    public void Should_refuse_a_file_path_in_a_user(string user, string expected)
    {
        Assert.Contains(KubeconfigValidator.Problems(Kubeconfig(user)), p => p.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Should_refuse_a_certificate_authority_file()
    {
        var problems = KubeconfigValidator.Problems(Kubeconfig($"token: {Secret}", "server: https://api.example.com\n    certificate-authority: /etc/kubernetes/ca.crt"));

        Assert.Contains(problems, p => p.Contains("certificate-authority of cluster 'prod' is a file path", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("exec:\n  apiVersion: client.authentication.k8s.io/v1alpha1\n  command: aws", "needs apiVersion")]
    [InlineData("exec:\n  apiVersion: client.authentication.k8s.io/v1\n  command: ''", "has no command")]
    [InlineData("exec:\n  apiVersion: client.authentication.k8s.io/v1\n  command: aws\n  env:\n  - value: x", "needs a name")]
    [InlineData("auth-provider:\n  name: gcp\n  config: {}", "'gcp' auth-provider, which kubectl no longer has")]
    [InlineData("auth-provider:\n  name: oidc\n  config:\n    idp-issuer-url: http://dex\n    client-id: k\n    id-token: t", "https idp-issuer-url")]
    [InlineData("auth-provider:\n  name: oidc\n  config:\n    idp-issuer-url: https://dex\n    id-token: t", "needs a client-id")]
    [InlineData("auth-provider:\n  name: oidc\n  config:\n    idp-issuer-url: https://dex\n    client-id: k", "needs an id-token or a refresh-token")]
    [InlineData("username: admin\npassword: hunter2", "basic authentication")]
    [InlineData("client-certificate-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t", "both are needed")]
    [InlineData("client-certificate-data: bm90IHBlbQ==\nclient-key-data: bm90IHBlbQ==", "not base64-encoded PEM")]
    public void Should_say_what_is_wrong_with_a_user(string user, string expected)
    {
        Assert.Contains(KubeconfigValidator.Problems(Kubeconfig(user)), p => p.Contains(expected, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("current-context: nowhere\n", "current-context 'nowhere' is not among its contexts")]
    [InlineData("clusters: []\ncontexts: [{ name: a, context: { cluster: b } }]\ncurrent-context: a\n", "Cluster 'b' of context 'a' is not among its clusters")]
    [InlineData("clusters: [{ name: b, cluster: { server: https://k } }]\ncontexts: [{ name: a, context: { cluster: b, user: u } }]\ncurrent-context: a\n", "User 'u' of context 'a' is not among its users")]
    [InlineData("clusters: [{ name: b, cluster: { server: 'ftp://k' } }]\ncontexts: [{ name: a, context: { cluster: b } }]\ncurrent-context: a\n", "Cluster 'b' has no valid server URL")]
    [InlineData("clusters: []\n", "no current-context")]
    public void Should_name_what_the_context_lacks(string yaml, string expected)
    {
        Assert.Contains(KubeconfigValidator.Problems(yaml), p => p.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Should_accept_a_bare_host_and_port_as_kubectl_does()
    {
        Assert.Empty(KubeconfigValidator.Problems(Kubeconfig($"token: {Secret}", "server: api.example.com:6443")));
    }

    [Fact]
    public void Should_not_quote_the_content_of_invalid_yaml()
    {
        var problems = KubeconfigValidator.Problems($"users:\n- name: x\n  user: {{ token: {Secret}\n");

        var problem = Assert.Single(problems);
        Assert.StartsWith("The kubeconfig is not valid YAML (line", problem, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_never_quote_a_credential_in_any_problem()
    {
        var user = $"token: {Secret}\nusername: {Secret}\npassword: {Secret}\nclient-certificate-data: {Secret}\nclient-key-data: {Secret}";

        var problems = KubeconfigValidator.Problems(Kubeconfig(user, $"server: https://k\n    certificate-authority-data: {Secret}"));

        Assert.NotEmpty(problems);
        Assert.All(problems, p => Assert.DoesNotContain(Secret, p, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Should_let_the_official_client_load_an_exec_user_for_a_worker_of_its_own()
    {
        // A worker's own kubeconfig is loaded by the client, which runs the plugin for a token (here a script standing in for aws or kubelogin).
        await using var server = await Fake.FakeKubernetesServer.StartAsync();
        var plugin = Path.Combine(Path.GetTempPath(), $"mflow-credential-plugin-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(plugin, $$$"""
            #!/bin/sh
            echo '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"{{{server.Token}}}"}}'
            """);
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(plugin, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        try
        {
            var user = $"exec:\n  apiVersion: client.authentication.k8s.io/v1\n  command: {plugin}\n  args: [get-token, --cluster, fake]";
            var kubeconfig = server.CreateKubeconfig("team-a").Replace($"token: {server.Token}", Indent(user, 4).TrimStart(), StringComparison.Ordinal);

            using var api = KubernetesApi.Create(KubernetesConnections.FromYaml(kubeconfig));
            var jobs = await api.ListJobsAsync("team-a", "a=b");

            Assert.Empty(jobs.Items);
            Assert.Equal(200, Assert.Single(server.Requests).StatusCode);
        }
        finally
        {
            File.Delete(plugin);
        }
    }
}
