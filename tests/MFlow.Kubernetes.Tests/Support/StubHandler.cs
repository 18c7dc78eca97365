using System.Collections.Concurrent;
using System.Net;
using System.Text;

namespace MFlow.Kubernetes.Tests.Support;

/// <summary>One request as the stub saw it.</summary>
internal sealed record StubRequest(HttpMethod Method, Uri Uri, string? Body)
{
    public string PathAndQuery => Uri.PathAndQuery;
}

/// <summary>
/// The innermost handler of a client under test, in place of the network: answers from a queue of
/// responders (then from the default responder) and records every request.
/// </summary>
internal sealed class StubHandler : DelegatingHandler
{
    private readonly ConcurrentQueue<Func<StubRequest, HttpResponseMessage>> _queue = new();
    private readonly Func<StubRequest, HttpResponseMessage> _default;
    private readonly List<StubRequest> _requests = [];

    public StubHandler(Func<StubRequest, HttpResponseMessage>? defaultResponder = null)
    {
        _default = defaultResponder ?? (_ => Json(HttpStatusCode.OK, """{"apiVersion":"batch/v1","kind":"JobList","metadata":{"resourceVersion":"1"},"items":[]}"""));
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

    public static HttpResponseMessage Status(HttpStatusCode code, string reason, string message) =>
        Json(code, $$"""{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"{{message}}","reason":"{{reason}}","code":{{(int)code}}}""");

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? null : await request.Content.ReadAsStringAsync(cancellationToken);
        var recorded = new StubRequest(request.Method, request.RequestUri!, body);
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
