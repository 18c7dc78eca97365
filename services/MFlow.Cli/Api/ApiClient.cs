using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MFlow.Cli.Config;

namespace MFlow.Cli.Api;

/// <summary>The MFlow HTTP API, as this tool calls it: JSON in and out, problem details as <see cref="ApiException"/>.</summary>
public sealed class ApiClient : IDisposable
{
    /// <summary>How long a plain request may take; streams (events, followed logs) have no limit.</summary>
    static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(60);

    readonly HttpClient _http;

    /// <summary>A client for <paramref name="connection"/>.</summary>
    public ApiClient(Connection connection)
    {
        Connection = connection;
        _http = new HttpClient { BaseAddress = connection.Server, Timeout = Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", connection.Key);
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("mflow-cli", typeof(ApiClient).Assembly.GetName().Version?.ToString(3)));
    }

    /// <summary>Where this client goes.</summary>
    public Connection Connection { get; }

    /// <summary>GET a JSON document.</summary>
    public Task<JsonNode> GetAsync(string path, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, path, null, cancellationToken);

    /// <summary>POST a JSON body (or none).</summary>
    public Task<JsonNode> PostJsonAsync(string path, object? body, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, path, body is null ? null : new StringContent(JsonSerializer.Serialize(body, JsonSerializerOptions.Web), Encoding.UTF8, "application/json"), cancellationToken);

    /// <summary>POST or PUT a YAML (or JSON) document as it is.</summary>
    public Task<JsonNode> SendDocumentAsync(HttpMethod method, string path, string document, CancellationToken cancellationToken) =>
        SendAsync(method, path, new StringContent(document, Encoding.UTF8, "application/yaml"), cancellationToken);

    /// <summary>DELETE.</summary>
    public Task<JsonNode> DeleteAsync(string path, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Delete, path, null, cancellationToken);

    /// <summary>
    /// Sends a request whose answer is read as it arrives (Server-Sent Events, a followed log). The
    /// caller disposes the response; a refusal is thrown as <see cref="ApiException"/>.
    /// </summary>
    public async Task<HttpResponseMessage> OpenStreamAsync(string path, string accept, IEnumerable<KeyValuePair<string, string>> headers, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.ParseAdd(accept);
        foreach (var (name, value) in headers)
            request.Headers.TryAddWithoutValidation(name, value);
        var response = await SendRawAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (response.IsSuccessStatusCode)
            return response;
        using (response)
            throw await ApiException.FromAsync(response, cancellationToken);
    }

    async Task<JsonNode> SendAsync(HttpMethod method, string path, HttpContent? content, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(RequestTimeout);
        using var request = new HttpRequestMessage(method, path) { Content = content };
        request.Headers.Accept.ParseAdd("application/json");
        try
        {
            using var response = await SendRawAsync(request, HttpCompletionOption.ResponseContentRead, timeout.Token);
            if (!response.IsSuccessStatusCode)
                throw await ApiException.FromAsync(response, timeout.Token);
            var text = await response.Content.ReadAsStringAsync(timeout.Token);
            if (response.StatusCode == HttpStatusCode.NoContent || text.Length == 0)
                return new JsonObject();
            if (response.Content.Headers.ContentType?.MediaType is { } type && !type.Contains("json", StringComparison.OrdinalIgnoreCase))
                return JsonValue.Create(text);
            return JsonNode.Parse(text) ?? new JsonObject();
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new CliException($"{Connection.Server} did not answer {method} {path} within {RequestTimeout.TotalSeconds:0} s.");
        }
    }

    async Task<HttpResponseMessage> SendRawAsync(HttpRequestMessage request, HttpCompletionOption completion, CancellationToken cancellationToken)
    {
        try
        {
            return await _http.SendAsync(request, completion, cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            throw new CliException($"Cannot reach {Connection.Server} ({Connection.Source}): {ex.Message}");
        }
    }

    /// <inheritdoc />
    public void Dispose() => _http.Dispose();
}
