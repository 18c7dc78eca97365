using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;

namespace MFlow.Kubernetes.Fake.Tests.Support;

/// <summary>
/// A deliberately dumb Kubernetes client: raw HTTP and JSON, trusting only the fake's CA, so the tests
/// check the wire behaviour rather than some client library's interpretation of it.
/// </summary>
internal sealed class ApiClient : IDisposable
{
    private readonly HttpClient _http;

    public ApiClient(FakeKubernetesServer server, string? token, X509Certificate2? clientCertificate = null, Version? httpVersion = null)
    {
        _http = new HttpClient(CreateHandler(server.CaCertificatePem, clientCertificate))
        {
            BaseAddress = server.BaseAddress,
            Timeout = TimeSpan.FromSeconds(30),
            DefaultRequestVersion = httpVersion ?? HttpVersion.Version11,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        if (token is not null)
        {
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
    }

    public static ApiClient For(FakeKubernetesServer server) => new(server, server.Token);

    /// <summary>A handler that trusts exactly the given CA (and checks the host name), optionally presenting a client certificate.</summary>
    public static SocketsHttpHandler CreateHandler(string caPem, X509Certificate2? clientCertificate)
    {
        var ca = X509Certificate2.CreateFromPem(caPem);
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                {
                    if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None)
                    {
                        return false;
                    }

                    using var chain = new X509Chain();
                    chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                    chain.ChainPolicy.CustomTrustStore.Add(ca);
                    chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                    return chain.Build(new X509Certificate2(certificate));
                },
            },
        };
        if (clientCertificate is not null)
        {
            handler.SslOptions.ClientCertificates = [clientCertificate];
        }

        return handler;
    }

    public Task<ApiResponse> GetAsync(string path) => SendAsync(HttpMethod.Get, path);

    public Task<ApiResponse> PostAsync(string path, JsonNode body) => SendAsync(HttpMethod.Post, path, body);

    public Task<ApiResponse> PutAsync(string path, JsonNode body) => SendAsync(HttpMethod.Put, path, body);

    public Task<ApiResponse> PatchAsync(string path, JsonNode body, string contentType = "application/merge-patch+json") =>
        SendAsync(HttpMethod.Patch, path, body, contentType);

    public Task<ApiResponse> DeleteAsync(string path, JsonNode? body = null) => SendAsync(HttpMethod.Delete, path, body);

    public async Task<ApiResponse> SendAsync(HttpMethod method, string path, JsonNode? body = null, string contentType = "application/json")
    {
        using var request = new HttpRequestMessage(method, path)
        {
            Version = _http.DefaultRequestVersion,
            VersionPolicy = _http.DefaultVersionPolicy,
        };
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, contentType);
        }

        using var response = await _http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return new ApiResponse(response.StatusCode, text, response.Headers, response.Content.Headers.ContentType?.MediaType, response.Version);
    }

    /// <summary>Opens a watch (path should carry ?watch=true) and returns once the response headers arrived.</summary>
    public async Task<WatchReader> WatchAsync(string path)
    {
        var response = await _http.GetAsync(path, HttpCompletionOption.ResponseHeadersRead);
        return new WatchReader(response, await response.Content.ReadAsStreamAsync());
    }

    public void Dispose() => _http.Dispose();
}

/// <summary>One answered request.</summary>
internal sealed record ApiResponse(HttpStatusCode Status, string Text, HttpResponseHeaders Headers, string? ContentType, Version HttpVersion)
{
    public JsonObject Json => JsonNode.Parse(Text)!.AsObject();

    /// <summary>For a Status answer: details.causes as (reason, field, message).</summary>
    public IReadOnlyList<(string Reason, string Field, string Message)> Causes =>
        (Json["details"]?["causes"] as JsonArray ?? [])
            .Select(cause => (cause!["reason"]!.GetValue<string>(), cause["field"]!.GetValue<string>(), cause["message"]!.GetValue<string>()))
            .ToList();
}
