using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MFlow.Cli.Config;
using Polly;
using Polly.Retry;

namespace MFlow.Cli.Api;

/// <summary>The MFlow HTTP API, as this tool calls it: JSON in and out, problem details as <see cref="ApiException"/>.</summary>
public sealed class ApiClient : IDisposable
{
    /// <summary>How long a plain request may take; streams (events, followed logs) have no limit.</summary>
    static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(60);

    /// <summary>How many more times a request safe to repeat is sent after a 503 or 429 answer or a connection that could not be made.</summary>
    const int MaxRetries = 3;

    /// <summary>The wait after a connection that could not be made on the first try; it doubles with each later try (1, 2, 4 s).</summary>
    static readonly TimeSpan FirstConnectWait = TimeSpan.FromSeconds(1);

    /// <summary>The wait after a 503 or 429 without Retry-After, and the longest one waited: a server asking for more is not tried again.</summary>
    static readonly TimeSpan DefaultRetryAfter = TimeSpan.FromSeconds(5), MaxRetryAfter = TimeSpan.FromSeconds(30);

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
        SendAsync(HttpMethod.Get, path, null, null, cancellationToken);

    /// <summary>POST a JSON body (or none); a 503 or 429 is reported at once (the POST may not be safe to repeat).</summary>
    public Task<JsonNode> PostJsonAsync(string path, object? body, CancellationToken cancellationToken) =>
        PostJsonAsync(path, body, null, cancellationToken);

    /// <summary>POST a JSON body (or none); after a 503 or 429 it is sent again only with an <paramref name="idempotencyKey"/>.</summary>
    public Task<JsonNode> PostJsonAsync(string path, object? body, IdempotencyKey? idempotencyKey, CancellationToken cancellationToken)
    {
        var json = body is null ? null : JsonSerializer.Serialize(body, JsonSerializerOptions.Web);
        return SendAsync(HttpMethod.Post, path, json is null ? null : () => new StringContent(json, Encoding.UTF8, "application/json"), idempotencyKey, cancellationToken);
    }

    /// <summary>POST or PUT a YAML (or JSON) document as it is; a POST's 503 or 429 is reported at once.</summary>
    public Task<JsonNode> SendDocumentAsync(HttpMethod method, string path, string document, CancellationToken cancellationToken) =>
        SendDocumentAsync(method, path, document, null, cancellationToken);

    /// <summary>POST or PUT a YAML (or JSON) document as it is; after a 503 or 429 a POST is sent again only with an <paramref name="idempotencyKey"/>.</summary>
    public Task<JsonNode> SendDocumentAsync(HttpMethod method, string path, string document, IdempotencyKey? idempotencyKey, CancellationToken cancellationToken) =>
        SendAsync(method, path, () => new StringContent(document, Encoding.UTF8, "application/yaml"), idempotencyKey, cancellationToken);

    /// <summary>DELETE.</summary>
    public Task<JsonNode> DeleteAsync(string path, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Delete, path, null, null, cancellationToken);

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

    // A request answered 503 (the scheduler's database out of reach) or 429 (too many requests) was
    // not carried out, so one that is safe to repeat is sent again after the answer's Retry-After, as
    // kubectl does; all tries within the request's time limit. A POST is safe to repeat only with an
    // idempotency key: without one (cancel, approve, a new key) the refusal is reported at once.
    // A request safe to repeat is also tried again, after 1, 2 and 4 s within the same limit, when no
    // connection could be made (refused while the API restarts). Not a POST without a key: after a
    // kept-alive connection closed, the handler itself may have sent it again on a new connection
    // before the one that was refused.
    async Task<JsonNode> SendAsync(HttpMethod method, string path, Func<HttpContent>? content, IdempotencyKey? idempotencyKey, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(RequestTimeout);
        var busy = 0; // the 503 and 429 answers waited out so far
        var retry = Retry(repeatable: method != HttpMethod.Post || idempotencyKey is not null, Stopwatch.GetTimestamp(), () => busy++);
        try
        {
            using var response = await retry.ExecuteAsync(async token =>
            {
                using var request = new HttpRequestMessage(method, path) { Content = content?.Invoke() };
                request.Headers.Accept.ParseAdd("application/json");
                if (idempotencyKey?.Header is { } key)
                    request.Headers.Add("Idempotency-Key", key);
                return await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, token);
            }, timeout.Token);
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
            var waited = busy > 0 ? $" (waits after {busy} busy answers or failed connections included)" : "";
            throw new CliException($"{Connection.Server} did not answer {method} {path} within {RequestTimeout.TotalSeconds:0} s{waited}.");
        }
        catch (HttpRequestException ex)
        {
            throw Unreachable(ex);
        }
    }

    // Polly's retry of a request safe to repeat: an answer that asks for it (RetryAfter), and a
    // connection that could not be made, when the wait ends within the request's time limit; each
    // wait is said on standard error. Polly disposes each answer it does not return.
    ResiliencePipeline<HttpResponseMessage> Retry(bool repeatable, long started, Action waited) =>
        new ResiliencePipelineBuilder<HttpResponseMessage>().AddRetry(new RetryStrategyOptions<HttpResponseMessage>
        {
            MaxRetryAttempts = MaxRetries,
            ShouldHandle = args => ValueTask.FromResult(Wait(args.Outcome, args.AttemptNumber, repeatable) is { } wait
                && Stopwatch.GetElapsedTime(started) + wait < RequestTimeout),
            DelayGenerator = args => ValueTask.FromResult(Wait(args.Outcome, args.AttemptNumber, repeatable)),
            OnRetry = async args =>
            {
                var delay = $"trying again in {Math.Ceiling(args.RetryDelay.TotalSeconds):0} s.";
                if (args.Outcome.Exception is { } failed)
                {
                    await Console.Error.WriteLineAsync($"Cannot reach {Connection.Server} ({failed.Message}); {delay}");
                }
                else
                {
                    var refusal = await ApiException.FromAsync(args.Outcome.Result!, args.Context.CancellationToken);
                    var title = refusal.Title.Length > 200 ? refusal.Title[..200] + "..." : refusal.Title;
                    await Console.Error.WriteLineAsync($"The server is busy ({(int)args.Outcome.Result!.StatusCode}: {title}); {delay}");
                }

                waited();
            },
        }).Build();

    // How long to wait before trying again, or null when this outcome is not tried again.
    static TimeSpan? Wait(Outcome<HttpResponseMessage> outcome, int attempt, bool repeatable) => outcome switch
    {
        _ when !repeatable => null,
        { Exception: HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError } } => FirstConnectWait * (1 << attempt),
        { Result: { } answer } => RetryAfter(answer),
        _ => null,
    };

    // The wait a 503 or 429 asks for (seconds or a date; 5 s when it does not say), or null for any
    // other answer and for a wait over 30 s: the refusal is then reported, not repeated before its time.
    static TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        if (response.StatusCode is not (HttpStatusCode.ServiceUnavailable or HttpStatusCode.TooManyRequests))
            return null;
        var header = response.Headers.RetryAfter;
        var wait = header?.Delta ?? (header?.Date is { } date ? date - DateTimeOffset.UtcNow : DefaultRetryAfter);
        return wait < TimeSpan.Zero ? TimeSpan.Zero : wait > MaxRetryAfter ? null : wait;
    }

    async Task<HttpResponseMessage> SendRawAsync(HttpRequestMessage request, HttpCompletionOption completion, CancellationToken cancellationToken)
    {
        try
        {
            return await _http.SendAsync(request, completion, cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            throw Unreachable(ex);
        }
    }

    CliException Unreachable(HttpRequestException ex) => new($"Cannot reach {Connection.Server} ({Connection.Source}): {ex.Message}");

    /// <inheritdoc />
    public void Dispose() => _http.Dispose();
}
