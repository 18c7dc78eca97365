using System.Net;
using MFlow.Kubernetes.Configuration;
using MFlow.Kubernetes.Errors;
using MFlow.Kubernetes.Tests.Support;

namespace MFlow.Kubernetes.Tests.Configuration;

public sealed class When_running_in_a_cluster : IDisposable
{
    private readonly TempDirectory _serviceAccount = new();
    private readonly VirtualTimeProvider _clock = new();

    public When_running_in_a_cluster()
    {
        _serviceAccount.Write("token", "token-1\n");
        _serviceAccount.Write("ca.crt", TestCertificates.CreateCa().CertificatePem);
        _serviceAccount.Write("namespace", "mflow-system");
    }

    public void Dispose() => _serviceAccount.Dispose();

    private InClusterOptions Options(string host = "10.96.0.1") => new()
    {
        ServiceAccountDirectory = _serviceAccount.Path,
        Host = host,
        Port = "443",
        TimeProvider = _clock,
    };

    [Fact]
    public void Should_connect_to_the_service_address_as_the_service_account()
    {
        var connection = KubernetesConnection.InCluster(Options());

        Assert.Equal(new Uri("https://10.96.0.1:443"), connection.Server);
        Assert.Equal("mflow-system", connection.Namespace);
        Assert.Equal("token-file", connection.AuthenticationMethod);
        Assert.True(connection.HasCustomCertificateAuthority);
        Assert.False(connection.SkipTlsVerify);
        Assert.True(KubernetesConnection.IsInCluster(Options()));
    }

    [Fact]
    public void Should_bracket_an_ipv6_service_address()
    {
        Assert.Equal("https://[fd00::1]/", KubernetesConnection.InCluster(Options("fd00::1")).Server.GetLeftPart(UriPartial.Authority) + "/");
    }

    [Fact]
    public void Should_refuse_to_run_outside_a_cluster()
    {
        var options = Options();
        options.Host = "";

        Assert.False(KubernetesConnection.IsInCluster(options));
        var ex = Assert.Throws<KubernetesConfigurationException>(() => KubernetesConnection.InCluster(options));
        Assert.Contains("KUBERNETES_SERVICE_HOST", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_fail_at_configuration_time_without_a_token_file()
    {
        File.Delete(Path.Combine(_serviceAccount.Path, "token"));

        Assert.Throws<KubernetesConfigurationException>(() => KubernetesConnection.InCluster(Options()));
    }

    [Fact]
    public async Task Should_send_a_rotated_token_once_a_minute_has_passed()
    {
        var stub = new StubHandler();
        using var client = TestClients.Create(stub, connection: KubernetesConnection.InCluster(Options()));

        await client.ListJobsAsync("ns");
        File.WriteAllText(Path.Combine(_serviceAccount.Path, "token"), "token-2");
        await client.ListJobsAsync("ns");
        _clock.Advance(TimeSpan.FromSeconds(61));
        await client.ListJobsAsync("ns");

        Assert.Equal(["Bearer token-1", "Bearer token-1", "Bearer token-2"], stub.Requests.Select(r => r.Authorization));
    }

    [Fact]
    public async Task Should_reread_the_token_at_once_after_a_401_and_retry_with_it()
    {
        var stub = new StubHandler(r => r.Authorization == "Bearer token-2"
            ? StubHandler.Json(HttpStatusCode.OK, """{"items":[]}""")
            : StubHandler.Status(HttpStatusCode.Unauthorized, "Unauthorized", "Unauthorized"));
        using var client = TestClients.Create(stub, connection: KubernetesConnection.InCluster(Options()));
        File.WriteAllText(Path.Combine(_serviceAccount.Path, "token"), "token-2");

        await client.ListJobsAsync("ns");

        Assert.Equal(["Bearer token-1", "Bearer token-2"], stub.Requests.Select(r => r.Authorization));
    }

    [Fact]
    public async Task Should_report_401_when_the_token_file_has_nothing_newer()
    {
        var stub = new StubHandler(_ => StubHandler.Status(HttpStatusCode.Unauthorized, "Unauthorized", "Unauthorized"));
        using var client = TestClients.Create(stub, connection: KubernetesConnection.InCluster(Options()));

        await Assert.ThrowsAsync<UnauthorizedException>(() => client.ListJobsAsync("ns"));
        Assert.Single(stub.Requests);
    }

    [Fact]
    public async Task Should_keep_the_previous_token_while_the_file_is_briefly_missing()
    {
        var stub = new StubHandler();
        using var client = TestClients.Create(stub, connection: KubernetesConnection.InCluster(Options()));
        File.Delete(Path.Combine(_serviceAccount.Path, "token"));
        _clock.Advance(TimeSpan.FromMinutes(2));

        await client.ListJobsAsync("ns");

        Assert.Equal("Bearer token-1", Assert.Single(stub.Requests).Authorization);
    }
}
