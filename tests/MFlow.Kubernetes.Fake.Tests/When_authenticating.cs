using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using MFlow.Kubernetes.Fake.Tests.Support;

namespace MFlow.Kubernetes.Fake.Tests;

public sealed class When_authenticating : ServerTest
{
    protected override FakeKubernetesOptions Options
    {
        get
        {
            var options = new FakeKubernetesOptions
            {
                // Bob may read jobs but nothing else, to check the 403 shape.
                Authorize = request => request.User != "bob" || request is { Verb: "list", Resource: "jobs" },
            };
            options.AdditionalTokens["bob-token"] = "bob";
            return options;
        }
    }

    [Fact]
    public async Task Should_answer_401_Status_without_a_token()
    {
        using var anonymous = new ApiClient(Server, token: null);

        var response = await anonymous.GetAsync(Manifests.JobsPath);

        Assert.Equal(HttpStatusCode.Unauthorized, response.Status);
        Assert.Equal("Status", response.Json["kind"]!.GetValue<string>());
        Assert.Equal("Failure", response.Json["status"]!.GetValue<string>());
        Assert.Equal("Unauthorized", response.Json["reason"]!.GetValue<string>());
        Assert.Equal(401, response.Json["code"]!.GetValue<int>());
    }

    [Fact]
    public async Task Should_answer_401_with_a_wrong_token()
    {
        using var intruder = new ApiClient(Server, token: "not-the-token");

        var response = await intruder.GetAsync(Manifests.JobsPath);

        Assert.Equal(HttpStatusCode.Unauthorized, response.Status);
        Assert.Null(Assert.Single(Server.Requests).User);
    }

    [Fact]
    public async Task Should_serve_healthz_without_credentials()
    {
        using var anonymous = new ApiClient(Server, token: null);

        var response = await anonymous.GetAsync("/healthz");

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal("ok", response.Text);
    }

    [Fact]
    public async Task Should_act_as_the_token_user()
    {
        var response = await Client.GetAsync(Manifests.JobsPath);

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal("fake-admin", Assert.Single(Server.Requests).User);
    }

    [Fact]
    public async Task Should_answer_403_with_the_rbac_message_when_the_authorizer_denies()
    {
        using var bob = new ApiClient(Server, "bob-token");

        var allowed = await bob.GetAsync(Manifests.JobsPath);
        var denied = await bob.PostAsync("/apis/batch/v1/namespaces/ci/jobs", Manifests.Job("build"));
        var deniedLog = await bob.GetAsync("/api/v1/namespaces/ci/pods/p1/log");

        Assert.Equal(HttpStatusCode.OK, allowed.Status);
        Assert.Equal(HttpStatusCode.Forbidden, denied.Status);
        Assert.Equal("Forbidden", denied.Json["reason"]!.GetValue<string>());
        Assert.Equal(
            "jobs.batch is forbidden: User \"bob\" cannot create resource \"jobs\" in API group \"batch\" in the namespace \"ci\"",
            denied.Json["message"]!.GetValue<string>());
        Assert.Equal(
            "pods \"p1\" is forbidden: User \"bob\" cannot get resource \"pods/log\" in API group \"\" in the namespace \"ci\"",
            deniedLog.Json["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task Should_accept_a_client_certificate_issued_by_its_CA()
    {
        using var certificate = Server.IssueClientCertificate("alice", "developers");
        using var alice = new ApiClient(Server, token: null, certificate);

        var response = await alice.GetAsync(Manifests.JobsPath);

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal("alice", Assert.Single(Server.Requests).User);
    }

    [Fact]
    public async Task Should_refuse_a_client_certificate_from_another_CA()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=mallory", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], false));
        using var selfSigned = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddHours(1));
        using var mallory = new ApiClient(Server, token: null, selfSigned);

        // Kestrel refuses the handshake, as the apiserver's TLS stack does for an untrusted client certificate.
        await Assert.ThrowsAsync<HttpRequestException>(() => mallory.GetAsync(Manifests.JobsPath));
    }

    [Fact]
    public async Task Should_write_a_kubeconfig_whose_client_certificate_authenticates()
    {
        var kubeconfig = Server.CreateKubeconfig("ci", useClientCertificate: true);

        Assert.Contains($"server: https://127.0.0.1:{Server.BaseAddress.Port}", kubeconfig);
        Assert.Contains("current-context: fake", kubeconfig);
        Assert.Contains("namespace: ci", kubeconfig);
        Assert.Contains("certificate-authority-data: " + Convert.ToBase64String(Encoding.ASCII.GetBytes(Server.CaCertificatePem)), kubeconfig);
        var certificatePem = Decode(kubeconfig, "client-certificate-data");
        var keyPem = Decode(kubeconfig, "client-key-data");
        using var certificate = X509Certificate2.CreateFromPem(certificatePem, keyPem);
        using var client = new ApiClient(Server, token: null, certificate);

        var response = await client.GetAsync("/apis/batch/v1/namespaces/ci/jobs");

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal("fake-admin", Assert.Single(Server.Requests).User);
    }

    [Fact]
    public void Should_write_a_kubeconfig_with_the_token()
    {
        var kubeconfig = Server.CreateKubeconfig();

        Assert.Contains($"    token: {Server.Token}", kubeconfig);
        Assert.Contains("namespace: default", kubeconfig);
        Assert.DoesNotContain("client-key-data", kubeconfig);
    }

    private static string Decode(string kubeconfig, string field)
    {
        var line = kubeconfig.Split('\n').Single(line => line.TrimStart().StartsWith(field + ":", StringComparison.Ordinal));
        return Encoding.ASCII.GetString(Convert.FromBase64String(line[(line.IndexOf(':') + 1)..].Trim()));
    }
}
