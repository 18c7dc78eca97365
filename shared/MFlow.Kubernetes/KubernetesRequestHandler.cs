using System.Net;
using System.Security.Authentication;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;
using Polly.Retry;

namespace MFlow.Kubernetes;

/// <summary>
/// What MFlow adds to the official client's HTTP pipeline, in one place: a client-side token bucket
/// (so a burst of tasks cannot flood the API server), a time limit per attempt, and retries of 429
/// and 5xx answers honouring <c>Retry-After</c>, with exponential backoff and jitter. A POST may
/// have been processed although its answer was lost, so after an error without an answer it is
/// retried only when the connection was never made (a create retried after a 5xx may meet
/// AlreadyExists, which callers treat as "adopt"). Every write asks for <c>fieldValidation=Strict</c>,
/// so that a field the API server does not know (a misspelling, a field of a newer version) fails the
/// write loudly instead of being dropped with a warning nobody reads.
/// </summary>
public sealed partial class KubernetesRequestHandler : DelegatingHandler
{
    static readonly ResiliencePropertyKey<HttpRequestMessage> RequestKey = new("mflow.request");
    readonly KubernetesClientOptions _options;
    readonly ResiliencePipeline<HttpResponseMessage> _pipeline;

    /// <summary>Creates the handler; the official client puts it in front of its own.</summary>
    public KubernetesRequestHandler(KubernetesClientOptions options, ILogger? logger = null)
    {
        _options = options;
        logger ??= NullLogger.Instance;
        var builder = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = options.TimeProvider };
        if (options.MaxAttempts > 1)
        {
            builder.AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = options.MaxAttempts - 1,
                ShouldHandle = args => ValueTask.FromResult(ShouldRetry(args.Outcome, args.Context.Properties.GetValue(RequestKey, null!).Method)),
                DelayGenerator = args => ValueTask.FromResult<TimeSpan?>(RetryAfter(args.Outcome.Result) ?? Backoff(args.AttemptNumber + 1, options.InitialBackoff, options.MaxBackoff)),
                OnRetry = args =>
                {
                    var request = args.Context.Properties.GetValue(RequestKey, null!);
                    LogRetry(logger, request.Method, request.RequestUri?.AbsolutePath, args.Outcome.Result is { } answer ? $"answered {(int)answer.StatusCode}" : args.Outcome.Exception?.Message, args.RetryDelay, args.AttemptNumber + 1);
                    return default;
                },
            });
        }

        // Inside the retry: every attempt takes a token, as every attempt reaches the server.
        if (options.QueriesPerSecond > 0)
        {
            // Refilled in steps of 100 ms at high rates (fewer timer ticks), one token per step at low rates.
            var (period, tokens) = options.QueriesPerSecond >= 10
                ? (TimeSpan.FromMilliseconds(100), (int)Math.Max(1, Math.Round(options.QueriesPerSecond / 10)))
                : (TimeSpan.FromSeconds(1 / options.QueriesPerSecond), 1);
            builder.AddRateLimiter(new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
            {
                TokenLimit = Math.Max(1, options.Burst),
                TokensPerPeriod = tokens,
                ReplenishmentPeriod = period,
                QueueLimit = int.MaxValue,
                QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
                AutoReplenishment = true,
            }));
        }

        _pipeline = builder.Build();
    }

    /// <inheritdoc />
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        request.RequestUri = WithStrictFieldValidation(request);
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(RequestKey, request);
        try
        {
            return await _pipeline.ExecuteAsync(static (context, state) => state.Handler.AttemptAsync(state.Request, context.CancellationToken), context, (Handler: this, Request: request));
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    /// <summary>
    /// The request's URI asking for strict field validation when it writes (POST, PUT, PATCH) and
    /// does not say otherwise; other requests' URIs unchanged.
    /// </summary>
    public static Uri? WithStrictFieldValidation(HttpRequestMessage request)
    {
        if (request.RequestUri is not { } uri
            || !(request.Method == HttpMethod.Post || request.Method == HttpMethod.Put || request.Method == HttpMethod.Patch)
            || uri.Query.Contains("fieldValidation=", StringComparison.Ordinal))
            return request.RequestUri;
        var query = uri.Query.Length > 1 ? $"{uri.Query}&fieldValidation=Strict" : "?fieldValidation=Strict";
        return new UriBuilder(uri) { Query = query[1..] }.Uri;
    }

    /// <summary>The wait before try <paramref name="attempt"/> + 1: "equal jitter", half fixed and half random, so clients that failed together do not return in lockstep.</summary>
    public static TimeSpan Backoff(int attempt, TimeSpan initial, TimeSpan max)
    {
        var capped = Math.Min(initial.TotalMilliseconds * Math.Pow(2, Math.Clamp(attempt - 1, 0, 30)), max.TotalMilliseconds);
        return TimeSpan.FromMilliseconds((capped / 2) + (Random.Shared.NextDouble() * capped / 2));
    }

    async ValueTask<HttpResponseMessage> AttemptAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        // A watch is a stream that stays open for minutes: only its answer's arrival is bounded, by the caller.
        if (request.RequestUri?.Query.Contains("watch=true", StringComparison.Ordinal) == true)
            return await base.SendAsync(request, cancellationToken);

        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        attempt.CancelAfter(_options.RequestTimeout);
        HttpResponseMessage? response = null;
        try
        {
            response = await base.SendAsync(request, attempt.Token);
            // Read within the attempt, so a stalled body is retried like a stalled answer.
            await response.Content.LoadIntoBufferAsync(attempt.Token);
            return response;
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            response?.Dispose();
            throw new TimeoutException($"{request.Method} {request.RequestUri?.AbsolutePath} did not complete within {_options.RequestTimeout.TotalSeconds:0.#} s.", ex);
        }
        catch
        {
            response?.Dispose();
            throw;
        }
    }

    static bool ShouldRetry(Outcome<HttpResponseMessage> outcome, HttpMethod method) => outcome switch
    {
        { Result: { } response } => response.StatusCode == HttpStatusCode.TooManyRequests || ((int)response.StatusCode >= 500 && response.StatusCode != HttpStatusCode.NotImplemented),
        // A rejected server certificate does not change by retrying.
        { Exception: HttpRequestException { InnerException: AuthenticationException } } => false,
        { Exception: HttpRequestException error } => method != HttpMethod.Post || error.HttpRequestError == HttpRequestError.ConnectionError,
        { Exception: TimeoutException } => method != HttpMethod.Post,
        _ => false,
    };

    TimeSpan? RetryAfter(HttpResponseMessage? response)
    {
        if (response?.Headers.RetryAfter is not { } header)
            return null;
        var wait = header.Delta ?? (header.Date is { } date ? date - _options.TimeProvider.GetUtcNow() : TimeSpan.Zero);
        return wait < TimeSpan.Zero ? TimeSpan.Zero : wait > _options.MaxRetryAfter ? _options.MaxRetryAfter : wait;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Method} {Path} {Outcome}; retrying in {Delay} (retry {Retry})")]
    private static partial void LogRetry(ILogger logger, HttpMethod method, string? path, string? outcome, TimeSpan delay, int retry);
}
