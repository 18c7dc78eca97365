using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using MFlow.Kubernetes.Fake.Api;
using MFlow.Kubernetes.Fake.Controllers;
using MFlow.Kubernetes.Fake.Json;
using MFlow.Kubernetes.Fake.Store;
using Microsoft.AspNetCore.Http;

namespace MFlow.Kubernetes.Fake.Server;

/// <summary>
/// <c>GET .../pods/{name}/log</c>: the container's log as text/plain, with container, tailLines,
/// limitBytes, previous and follow, and the kubelet's 400s for ambiguous or not-yet-started containers.
/// </summary>
internal sealed class PodLogEndpoint(ObjectStore store, ResourceRegistry registry, PodLogs logs, CancellationToken serverStopping)
{
    public async Task GetAsync(HttpContext context, string @namespace, string name, CancellationToken cancellationToken)
    {
        var pod = store.Get(registry.Pods, @namespace, name) ?? throw ApiErrors.NotFound(registry.Pods, name);
        var query = context.Request.Query;
        var containers = Names(pod, "containers");
        var initContainers = Names(pod, "initContainers");
        var container = query["container"].ToString();
        if (container.Length == 0)
        {
            if (containers.Count != 1)
            {
                var message = $"a container name must be specified for pod {name}, choose one of: [{string.Join(' ', containers)}]";
                if (initContainers.Count > 0)
                {
                    message += $" or one of the init containers: [{string.Join(' ', initContainers)}]";
                }

                throw ApiErrors.BadRequest(message);
            }

            container = containers[0];
        }
        else if (!containers.Contains(container) && !initContainers.Contains(container))
        {
            throw ApiErrors.BadRequest($"container {container} is not valid for pod {name}");
        }

        if (query["previous"].ToString() == "true")
        {
            // Job pods never restart in place here (a retry is a new pod), so there is no previous instance.
            throw ApiErrors.BadRequest($"previous terminated container \"{container}\" in pod \"{name}\" not found");
        }

        if (WaitingReason(pod, container) is { } reason)
        {
            var why = reason is "ImagePullBackOff" or "ErrImagePull" ? "trying and failing to pull image" : reason;
            throw ApiErrors.BadRequest($"container \"{container}\" in pod \"{name}\" is waiting to start: {why}");
        }

        var tailLines = int.TryParse(query["tailLines"], CultureInfo.InvariantCulture, out var tail) && tail >= 0 ? tail : (int?)null;
        var limitBytes = long.TryParse(query["limitBytes"], CultureInfo.InvariantCulture, out var limit) && limit > 0 ? limit : (long?)null;
        var follow = query["follow"].ToString() == "true";

        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "text/plain";
        var snapshot = logs.Read(@namespace, name, container);
        var text = Tail(snapshot.Text, tailLines);
        var sentFrom = snapshot.Text.Length;
        long written = 0;
        written += await WriteAsync(context, text, limitBytes, written, cancellationToken);
        if (!follow)
        {
            return;
        }

        await context.Response.Body.FlushAsync(cancellationToken);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, serverStopping);
        while (!snapshot.Closed && (limitBytes is null || written < limitBytes))
        {
            try
            {
                await snapshot.Changed.WaitAsync(stop.Token);
            }
            catch (OperationCanceledException) when (serverStopping.IsCancellationRequested)
            {
                // The server is stopping: end the followed log as a closing kubelet connection would.
                return;
            }

            snapshot = logs.Read(@namespace, name, container);
            if (snapshot.Text.Length > sentFrom)
            {
                written += await WriteAsync(context, snapshot.Text[sentFrom..], limitBytes, written, cancellationToken);
                sentFrom = snapshot.Text.Length;
                await context.Response.Body.FlushAsync(cancellationToken);
            }

            if (store.Get(registry.Pods, @namespace, name) is null)
            {
                break;
            }
        }
    }

    private static async Task<long> WriteAsync(HttpContext context, string text, long? limitBytes, long alreadyWritten, CancellationToken cancellationToken)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var count = limitBytes is { } limit ? (int)Math.Clamp(limit - alreadyWritten, 0, bytes.Length) : bytes.Length;
        await context.Response.Body.WriteAsync(bytes.AsMemory(0, count), cancellationToken);
        return count;
    }

    /// <summary>The last <paramref name="lines"/> lines (a trailing newline ends a line, it does not start one).</summary>
    private static string Tail(string text, int? lines)
    {
        if (lines is not { } count)
        {
            return text;
        }

        if (count == 0)
        {
            return "";
        }

        var end = text.EndsWith('\n') ? text.Length - 1 : text.Length;
        var start = end;
        for (var seen = 0; start > 0; start--)
        {
            if (text[start - 1] == '\n' && ++seen == count)
            {
                break;
            }
        }

        return text[start..];
    }

    private static List<string> Names(JsonObject pod, string property) =>
        (pod["spec"]?[property] as JsonArray ?? [])
            .Select(container => KubeJson.String(container?["name"]) ?? "")
            .ToList();

    private static string? WaitingReason(JsonObject pod, string container)
    {
        foreach (var property in new[] { "containerStatuses", "initContainerStatuses" })
        {
            foreach (var status in pod["status"]?[property] as JsonArray ?? [])
            {
                if (KubeJson.String(status?["name"]) == container && status?["state"]?["waiting"] is JsonObject waiting)
                {
                    return KubeJson.String(waiting["reason"]) ?? "ContainerCreating";
                }
            }
        }

        return null;
    }
}
