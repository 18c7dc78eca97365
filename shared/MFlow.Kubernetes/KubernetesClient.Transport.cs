using System.Net;
using System.Net.Http.Headers;
using System.Security.Authentication;
using MFlow.Kubernetes.Errors;
using Microsoft.Extensions.Logging;

namespace MFlow.Kubernetes;

// The transport half of the client: one place that authenticates, rate-limits, retries and turns
// error answers into typed exceptions, so every API method behaves the same.
public sealed partial class KubernetesClient
{
    /// <summary>How much of an error body is read to find a Status.</summary>
    private const int MaxErrorBodyBytes = 64 * 1024;

    /// <summary>
    /// Sends a request and returns the successful answer (the caller disposes it), or throws.
    /// Non-streaming answers are buffered within the per-attempt timeout; streaming ones (watches)
    /// return as soon as the headers arrive.
    /// </summary>
    private async Task<HttpResponseMessage> SendAsync(
        HttpMethod method,
        string pathAndQuery,
        byte[]? body,
        string? contentType,
        string accept,
        bool streaming,
        CancellationToken cancellationToken)
    {
        var operation = $"{method.Method} {pathAndQuery}";

        // A POST may have been processed even if the answer was lost, so it is only retried when
        // the connection was never made, or when the server said it did not process it (429/5xx;
        // a create retried after a 5xx may then meet AlreadyExists, which callers handle).
        var idempotent = method != HttpMethod.Post;
        var tokenRefreshed = false;

        for (var attempt = 1; ; attempt++)
        {
            await AcquireRateLimitAsync(cancellationToken);
            using var request = CreateRequest(method, pathAndQuery, body, contentType, accept);
            using var attemptTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            attemptTimeout.CancelAfter(_options.RequestTimeout);

            HttpResponseMessage response;
            Interlocked.Increment(ref _requestCount);
            try
            {
                response = await _http.SendAsync(
                    request,
                    streaming ? HttpCompletionOption.ResponseHeadersRead : HttpCompletionOption.ResponseContentRead,
                    attemptTimeout.Token);
            }
            catch (HttpRequestException ex) when (attempt < _options.MaxAttempts && IsTransient(ex) && (idempotent || ex.HttpRequestError == HttpRequestError.ConnectionError))
            {
                var delay = Backoff(attempt);
                LogRetryAfterError(_logger, operation, ex.Message, delay, attempt, _options.MaxAttempts);
                await Task.Delay(delay, _options.TimeProvider, cancellationToken);
                continue;
            }
            catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
            {
                if (attempt < _options.MaxAttempts && idempotent)
                {
                    var delay = Backoff(attempt);
                    LogRetryAfterError(_logger, operation, "timed out", delay, attempt, _options.MaxAttempts);
                    await Task.Delay(delay, _options.TimeProvider, cancellationToken);
                    continue;
                }

                throw new TimeoutException($"{operation} did not complete within {_options.RequestTimeout.TotalSeconds:0.#} s.", ex);
            }

            if (response.IsSuccessStatusCode)
            {
                return response;
            }

            using (response)
            {
                var code = response.StatusCode;
                var errorBody = await ReadErrorBodyAsync(response, attemptTimeout.Token);
                cancellationToken.ThrowIfCancellationRequested();

                // Bound service account tokens rotate: a 401 may only mean the file has a newer
                // token than the one we sent. Re-read once and retry if it changed.
                if (code == HttpStatusCode.Unauthorized && !tokenRefreshed && _connection.TokenSource?.Refresh() == true)
                {
                    tokenRefreshed = true;
                    LogTokenRefreshed(_logger, operation);
                    attempt--;
                    continue;
                }

                if (IsRetryable(code) && attempt < _options.MaxAttempts)
                {
                    var delay = RetryAfter(response, errorBody) ?? Backoff(attempt);
                    LogRetryAfterStatus(_logger, operation, (int)code, delay, attempt, _options.MaxAttempts);
                    await Task.Delay(delay, _options.TimeProvider, cancellationToken);
                    continue;
                }

                throw KubernetesErrors.Create(operation, code, errorBody);
            }
        }
    }

    private HttpRequestMessage CreateRequest(HttpMethod method, string pathAndQuery, byte[]? body, string? contentType, string accept)
    {
        var request = new HttpRequestMessage(method, new Uri(_baseUrl + pathAndQuery))
        {
            // HTTP/2 when the server offers it (TLS ALPN), else HTTP/1.1.
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
        };
        request.Headers.Accept.ParseAdd(accept);

        // Asked per request, not once, so that a rotated token is picked up.
        if (_connection.TokenSource?.GetToken() is { } token)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        if (body is not null)
        {
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType ?? "application/json");
        }

        return request;
    }

    private async ValueTask AcquireRateLimitAsync(CancellationToken cancellationToken)
    {
        if (_rateLimiter is null)
        {
            return;
        }

        using var lease = await _rateLimiter.AcquireAsync(1, cancellationToken);
        if (!lease.IsAcquired)
        {
            // Unreachable with an unbounded queue; guards against a future limiter change.
            throw new InvalidOperationException("The client-side rate limiter refused the request.");
        }
    }

    /// <summary>A rejected server certificate will not change by retrying; everything else on the wire might.</summary>
    private static bool IsTransient(HttpRequestException exception) => exception.InnerException is not AuthenticationException;

    private static bool IsRetryable(HttpStatusCode code) =>
        code == HttpStatusCode.TooManyRequests || ((int)code >= 500 && code != HttpStatusCode.NotImplemented);

    private TimeSpan Backoff(int attempt) => RetryBackoff.After(attempt, _options.InitialBackoff, _options.MaxBackoff);

    /// <summary>The wait the server asked for: the Retry-After header, else the Status's retryAfterSeconds.</summary>
    private TimeSpan? RetryAfter(HttpResponseMessage response, byte[] errorBody)
    {
        TimeSpan? requested = null;
        if (response.Headers.RetryAfter is { } header)
        {
            requested = header.Delta ?? (header.Date is { } date ? date - _options.TimeProvider.GetUtcNow() : null);
        }

        if (requested is null && KubernetesErrors.TryParseStatus(errorBody)?.Details?.RetryAfterSeconds is { } seconds)
        {
            requested = TimeSpan.FromSeconds(seconds);
        }

        if (requested is not { } wait)
        {
            return null;
        }

        return wait < TimeSpan.Zero ? TimeSpan.Zero : wait > _options.MaxRetryAfter ? _options.MaxRetryAfter : wait;
    }

    private static async Task<byte[]> ReadErrorBodyAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
            var buffer = new byte[MaxErrorBodyBytes];
            var length = 0;
            int read;
            while (length < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken)) > 0)
            {
                length += read;
            }

            return buffer[..length];
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException or OperationCanceledException)
        {
            // The status code alone still makes a useful error (the caller checks its own cancellation).
            return [];
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Operation} answered {StatusCode}; retrying in {Delay} (attempt {Attempt} of {MaxAttempts})")]
    private static partial void LogRetryAfterStatus(ILogger logger, string operation, int statusCode, TimeSpan delay, int attempt, int maxAttempts);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Operation} failed: {Error}; retrying in {Delay} (attempt {Attempt} of {MaxAttempts})")]
    private static partial void LogRetryAfterError(ILogger logger, string operation, string error, TimeSpan delay, int attempt, int maxAttempts);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Operation} answered 401; the token file had a new token, retrying with it")]
    private static partial void LogTokenRefreshed(ILogger logger, string operation);
}
