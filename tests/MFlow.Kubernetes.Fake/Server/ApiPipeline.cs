using MFlow.Kubernetes.Fake.Api;
using Microsoft.AspNetCore.Http;

namespace MFlow.Kubernetes.Fake.Server;

/// <summary>
/// Every request goes through here, in the apiserver's order: authentication (401), authorization
/// (403), injected faults, then the handler. Each request is recorded once its response starts, so a
/// watch is counted while it is still open.
/// </summary>
internal sealed class ApiPipeline(
    ResourceRegistry registry,
    Authenticator authenticator,
    Func<AccessRequest, bool>? authorize,
    FaultInjector faults,
    RequestLog requestLog,
    DiscoveryEndpoints discovery,
    ResourceEndpoints resources,
    WatchEndpoint watches,
    PodLogEndpoint podLogs)
{
    private const string ObjectNameItem = "mflow.fake/object-name";

    /// <summary>
    /// Names the object a request without a name in its path acts on (a create), once its body is read:
    /// the apiserver's audit log takes the name from the object the same way, so a test can tell which
    /// create made which object (or was refused for which name).
    /// </summary>
    public static void RecordObjectName(HttpContext context, string name) => context.Items[ObjectNameItem] = name;

    private static string? ObjectNameOf(HttpContext context) =>
        context.Items.TryGetValue(ObjectNameItem, out var name) && name is string { Length: > 0 } named ? named : null;

    public async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var cancellationToken = context.RequestAborted;
        var arrived = DateTimeOffset.UtcNow;
        var route = ApiRoute.Parse(request.Path.Value ?? "/");
        var verb = route.Verb(request.Method, request.Query);
        var pathAndQuery = request.Path.Value + request.QueryString.Value;
        string? user = null;
        var recorded = 0;
        void Record()
        {
            if (Interlocked.Exchange(ref recorded, 1) == 0)
            {
                requestLog.Add(new RecordedRequest(arrived, request.Method, verb, route.Resource, route.Subresource, route.Namespace, route.Name ?? ObjectNameOf(context), pathAndQuery, context.Response.StatusCode, user));
            }
        }

        context.Response.OnStarting(() =>
        {
            Record();
            return Task.CompletedTask;
        });
        try
        {
            if (route.Path.TrimEnd('/') is "/healthz" or "/livez" or "/readyz")
            {
                context.Response.ContentType = "text/plain; charset=utf-8";
                await context.Response.WriteAsync("ok", cancellationToken);
                return;
            }

            user = authenticator.Authenticate(context) ?? throw ApiErrors.Unauthorized();
            var type = route.IsResource && route.Resource is not null ? registry.Find(route.Group, route.Version, route.Resource) : null;
            var access = new AccessRequest(user, verb, route.Group, route.IsResource ? route.Resource : null, route.Subresource, route.Namespace, route.Name, route.Path);
            if (authorize is not null && !authorize(access))
            {
                throw ApiErrors.Forbidden(access, type);
            }

            if (faults.TryTake(pathAndQuery) is { } fault)
            {
                throw fault;
            }

            await DispatchAsync(context, route, type, cancellationToken);
        }
        catch (ApiException error) when (!context.Response.HasStarted)
        {
            await HttpIo.WriteErrorAsync(context, error, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The client went away; nobody is left to answer.
        }
        catch (Exception error) when (!context.Response.HasStarted && error is not OperationCanceledException)
        {
            // A bug in the fake: answer as the apiserver answers its own failures, with the cause in the message.
            var status = ApiErrors.StatusObject(StatusCodes.Status500InternalServerError, "InternalError", $"Internal error occurred: {error}");
            await HttpIo.WriteJsonAsync(context, StatusCodes.Status500InternalServerError, status, cancellationToken);
        }
        finally
        {
            Record();
        }
    }

    private async Task DispatchAsync(HttpContext context, ApiRoute route, ResourceType? type, CancellationToken cancellationToken)
    {
        if (!route.IsResource)
        {
            if (HttpMethods.IsGet(context.Request.Method) && await discovery.TryHandleAsync(context, route, cancellationToken))
            {
                return;
            }

            throw ApiErrors.PathNotFound();
        }

        if (type is null || !route.IsWellFormed || (route.Name is not null && route.Namespace is null))
        {
            throw ApiErrors.PathNotFound();
        }

        var method = context.Request.Method;
        var query = context.Request.Query;
        var @namespace = route.Namespace;
        if (route.Subresource is not null)
        {
            if (route.Subresource == "log" && type == registry.Pods && HttpMethods.IsGet(method))
            {
                await podLogs.GetAsync(context, @namespace!, route.Name!, cancellationToken);
                return;
            }

            throw ApiErrors.PathNotFound();
        }

        switch (method.ToUpperInvariant())
        {
            case "GET" when ApiRoute.IsWatch(query):
                await watches.WatchAsync(context, type, @namespace, route.Name, cancellationToken);
                break;
            case "GET" when route.Name is null:
                await resources.ListAsync(context, type, @namespace, cancellationToken);
                break;
            case "GET":
                await resources.GetAsync(context, type, @namespace!, route.Name, cancellationToken);
                break;
            case "POST" when route.Name is null && @namespace is not null:
                await resources.CreateAsync(context, type, @namespace, cancellationToken);
                break;
            case "PUT" when route.Name is not null:
                await resources.UpdateAsync(context, type, @namespace!, route.Name, cancellationToken);
                break;
            case "PATCH" when route.Name is not null:
                await resources.PatchAsync(context, type, @namespace!, route.Name, cancellationToken);
                break;
            case "DELETE" when route.Name is not null:
                await resources.DeleteAsync(context, type, @namespace!, route.Name, cancellationToken);
                break;
            case "DELETE":
                await resources.DeleteCollectionAsync(context, type, @namespace, cancellationToken);
                break;
            default:
                throw ApiErrors.MethodNotAllowed();
        }
    }
}
