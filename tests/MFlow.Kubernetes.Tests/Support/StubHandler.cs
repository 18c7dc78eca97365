using System.Collections.Concurrent;
using System.Net;
using System.Text;

namespace MFlow.Kubernetes.Tests.Support;

/// <summary>One request as the stub saw it.</summary>
internal sealed record StubRequest(HttpMethod Method, Uri Uri, string? Authorization, string? ContentType, string? Body, string UserAgent, string Accept)
{
    public string PathAndQuery => Uri.PathAndQuery;
}

/// <summary>
/// An in-memory HttpMessageHandler for unit tests of the client itself: answers from a queue of
/// responders (then from the default responder) and records every request.
/// </summary>
internal sealed class StubHandler : HttpMessageHandler
{
    private readonly ConcurrentQueue<Func<StubRequest, HttpResponseMessage>> _queue = new();
    private readonly Func<StubRequest, HttpResponseMessage> _default;
    private readonly List<StubRequest> _requests = [];

    public StubHandler(Func<StubRequest, HttpResponseMessage>? defaultResponder = null)
    {
        _default = defaultResponder ?? (_ => Json(HttpStatusCode.OK, "{}"));
    }

    public IReadOnlyList<StubRequest> Requests
    {
        get
        {
            lock (_requests)
            {
                return [.. _requests];
            }
        }
    }

    public StubHandler Then(Func<StubRequest, HttpResponseMessage> responder)
    {
        _queue.Enqueue(responder);
        return this;
    }

    public StubHandler Then(HttpResponseMessage response) => Then(_ => response);

    public StubHandler ThenThrow(Exception exception) => Then(_ => throw exception);

    public static HttpResponseMessage Json(HttpStatusCode code, string json) =>
        new(code) { Content = new StringContent(json, Encoding.UTF8, "application/json") };

    public static HttpResponseMessage Status(HttpStatusCode code, string reason, string message, string? details = null) =>
        Json(code, $$"""{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"{{message}}","reason":"{{reason}}","code":{{(int)code}}{{(details is null ? "" : $",\"details\":{details}")}}}""");

    public static HttpResponseMessage Text(HttpStatusCode code, string text, string mediaType = "text/plain") =>
        new(code) { Content = new StringContent(text, Encoding.UTF8, mediaType) };

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? null : await request.Content.ReadAsStringAsync(cancellationToken);
        var recorded = new StubRequest(
            request.Method,
            request.RequestUri!,
            request.Headers.Authorization?.ToString(),
            request.Content?.Headers.ContentType?.MediaType,
            body,
            request.Headers.UserAgent.ToString(),
            request.Headers.Accept.ToString());
        lock (_requests)
        {
            _requests.Add(recorded);
        }

        var responder = _queue.TryDequeue(out var next) ? next : _default;
        var response = responder(recorded);
        response.RequestMessage = request;
        return response;
    }
}
