using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using MFlow.Kubernetes.Fake.Api;
using MFlow.Kubernetes.Fake.Json;
using MFlow.Kubernetes.Fake.Store;
using Microsoft.AspNetCore.Http;

namespace MFlow.Kubernetes.Fake.Server;

/// <summary>
/// <c>?watch=true</c>: a chunked stream of newline-delimited watch events, each flushed as it happens,
/// with the apiserver's replay, bookmark, timeout and "too old resourceVersion" semantics.
/// </summary>
internal sealed class WatchEndpoint(ObjectStore store, TimeSpan bookmarkInterval, CancellationToken serverStopping)
{
    // The apiserver ends watches after a randomized --min-request-timeout (30-60 min); one fixed value will do.
    private static readonly TimeSpan _defaultTimeout = TimeSpan.FromMinutes(30);

    public async Task WatchAsync(HttpContext context, ResourceType type, string? @namespace, string? name, CancellationToken requestAborted)
    {
        var query = context.Request.Query;
        var (labels, fields) = ResourceEndpoints.Selectors(type, query);
        if (name is not null)
        {
            // A watch on .../jobs/{name} is the legacy spelling of fieldSelector=metadata.name={name}.
            fields = FieldSelector.Parse(string.Join(',', new[] { query["fieldSelector"].ToString(), $"metadata.name={name}" }.Where(term => term.Length > 0)));
        }

        var requested = ResourceEndpoints.ParseResourceVersion(query["resourceVersion"]);
        var sendInitialEvents = query["sendInitialEvents"].ToString() == "true";
        var includeInitial = sendInitialEvents || requested is null or 0;
        var bookmarks = query["allowWatchBookmarks"].ToString() is "true" or "1";
        var timeout = int.TryParse(query["timeoutSeconds"], CultureInfo.InvariantCulture, out var seconds) && seconds > 0
            ? TimeSpan.FromSeconds(seconds)
            : _defaultTimeout;

        WatchSubscription subscription;
        try
        {
            // A watch-list (sendInitialEvents=true) from resourceVersion N waits, like the watch cache, for the
            // store to reach N; a plain watch from N needs no wait: it delivers what happens after N.
            if (sendInitialEvents)
            {
                await ResourceEndpoints.WaitUntilFreshAsync(store, requested, requestAborted);
            }

            subscription = store.Subscribe(WatchFilter.For(type.Plural, @namespace, labels, fields), requested, includeInitial, isInternal: false);
        }
        catch (ApiException error) when (error.Code is StatusCodes.Status410Gone or StatusCodes.Status504GatewayTimeout)
        {
            // Like the apiserver: the watch itself starts (200), then says why it ends in an ERROR event.
            await StartAsync(context, requestAborted);
            await WriteEventAsync(context, "ERROR", KubeJson.Serialize(error.Status), requestAborted);
            return;
        }

        using (subscription)
        using (var stop = CancellationTokenSource.CreateLinkedTokenSource(requestAborted, serverStopping))
        using (var timedOut = new CancellationTokenSource(timeout))
        using (var ending = CancellationTokenSource.CreateLinkedTokenSource(stop.Token, timedOut.Token))
        await using (var ticker = bookmarks ? new Timer(_ => store.PostBookmark(subscription), null, bookmarkInterval, bookmarkInterval) : null)
        {
            await StartAsync(context, requestAborted);
            var delivered = 0;
            if (sendInitialEvents && subscription.InitialCount == 0)
            {
                await WriteBookmarkAsync(context, type, subscription.StartRevision, initialEventsEnd: true, requestAborted);
            }

            try
            {
                await foreach (var e in subscription.Reader.ReadAllAsync(ending.Token))
                {
                    if (e.Type == "BOOKMARK")
                    {
                        await WriteBookmarkAsync(context, type, e.Revision, initialEventsEnd: false, ending.Token);
                        continue;
                    }

                    // A resourceVersion ahead of the store means "after N": what happens until then is not news to this
                    // client (kube-apiserver 1.32's cacheWatcher sends only events newer than N, without a time limit).
                    if (!includeInitial && e.Revision <= requested)
                    {
                        continue;
                    }

                    await WriteEventAsync(context, e.Type, e.ObjectJson, ending.Token);
                    if (sendInitialEvents && ++delivered == subscription.InitialCount)
                    {
                        await WriteBookmarkAsync(context, type, subscription.StartRevision, initialEventsEnd: true, ending.Token);
                    }
                }
            }
            catch (OperationCanceledException) when (timedOut.IsCancellationRequested && !stop.IsCancellationRequested)
            {
                // timeoutSeconds elapsed: end the stream cleanly, with a last bookmark if the client takes them.
                if (bookmarks)
                {
                    await WriteBookmarkAsync(context, type, store.CurrentRevision, initialEventsEnd: false, requestAborted);
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                // The client went away or the server is stopping.
            }

            if (subscription.Dropped)
            {
                // A dropped connection, not a clean end: no terminating chunk reaches the client.
                context.Abort();
            }
        }
    }

    private static async Task StartAsync(HttpContext context, CancellationToken cancellationToken)
    {
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/json";
        context.Response.Headers.CacheControl = "no-cache, private";
        await context.Response.StartAsync(cancellationToken);
        await context.Response.Body.FlushAsync(cancellationToken);
    }

    private static Task WriteBookmarkAsync(HttpContext context, ResourceType type, long revision, bool initialEventsEnd, CancellationToken cancellationToken)
    {
        var metadata = new JsonObject { ["resourceVersion"] = revision.ToString(CultureInfo.InvariantCulture) };
        if (initialEventsEnd)
        {
            metadata["annotations"] = new JsonObject { ["k8s.io/initial-events-end"] = "true" };
        }

        var obj = new JsonObject { ["kind"] = type.Kind, ["apiVersion"] = type.ApiVersion, ["metadata"] = metadata };
        return WriteEventAsync(context, "BOOKMARK", KubeJson.Serialize(obj), cancellationToken);
    }

    private static async Task WriteEventAsync(HttpContext context, string type, string objectJson, CancellationToken cancellationToken)
    {
        var line = Encoding.UTF8.GetBytes($"{{\"type\":\"{type}\",\"object\":{objectJson}}}\n");
        await context.Response.Body.WriteAsync(line, cancellationToken);
        await context.Response.Body.FlushAsync(cancellationToken);
    }
}
