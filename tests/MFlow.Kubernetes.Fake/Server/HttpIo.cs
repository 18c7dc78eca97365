using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using MFlow.Kubernetes.Fake.Api;
using MFlow.Kubernetes.Fake.Json;
using Microsoft.AspNetCore.Http;

namespace MFlow.Kubernetes.Fake.Server;

/// <summary>Reading request bodies and writing JSON answers.</summary>
internal static class HttpIo
{
    public static async Task WriteJsonAsync(HttpContext context, int statusCode, JsonNode body, CancellationToken cancellationToken)
    {
        var bytes = KubeJson.SerializeToUtf8(body);
        context.Response.StatusCode = statusCode;
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = bytes.Length;
        await context.Response.Body.WriteAsync(bytes, cancellationToken);
    }

    public static Task WriteErrorAsync(HttpContext context, ApiException error, CancellationToken cancellationToken)
    {
        if (error.RetryAfter is { } delay)
        {
            context.Response.Headers.RetryAfter = ApiErrors.RetryAfterSeconds(delay).ToString(CultureInfo.InvariantCulture);
        }

        return WriteJsonAsync(context, error.Code, error.Status, cancellationToken);
    }

    /// <summary>The media type of the body, without parameters, lowercased ("" when absent).</summary>
    public static string MediaType(HttpRequest request) =>
        (request.ContentType ?? "").Split(';')[0].Trim().ToLowerInvariant();

    /// <summary>Parses the body as JSON; malformed JSON is a 400 as the apiserver's decoder makes it.</summary>
    public static async Task<JsonNode?> ReadJsonAsync(HttpRequest request, string kind, CancellationToken cancellationToken)
    {
        try
        {
            var node = await JsonNode.ParseAsync(request.Body, cancellationToken: cancellationToken);
            Materialize(node);
            return node;
        }
        catch (Exception error) when (error is JsonException or ArgumentException or InvalidOperationException)
        {
            throw ApiErrors.BadRequest($"the object provided is unrecognized (must be of type {kind}): couldn't get version/kind; json parse error: {error.Message}");
        }
    }

    /// <summary>Like <see cref="ReadJsonAsync"/>, but an empty body reads as null.</summary>
    public static async Task<JsonNode?> ReadOptionalJsonAsync(HttpRequest request, string kind, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, cancellationToken);
        if (buffer.Length == 0 || buffer.ToArray().All(b => b is (byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t'))
        {
            return null;
        }

        buffer.Position = 0;
        try
        {
            var node = await JsonNode.ParseAsync(buffer, cancellationToken: cancellationToken);
            Materialize(node);
            return node;
        }
        catch (Exception error) when (error is JsonException or ArgumentException or InvalidOperationException)
        {
            throw ApiErrors.BadRequest($"the object provided is unrecognized (must be of type {kind}): couldn't get version/kind; json parse error: {error.Message}");
        }
    }

    /// <summary>
    /// Walks the whole tree once: parsed nodes are built lazily, and doing it here turns a duplicate key
    /// into a 400 now rather than an exception in some later reader (and makes the node safe to share).
    /// </summary>
    private static void Materialize(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (_, child) in obj)
                {
                    Materialize(child);
                }

                break;
            case JsonArray array:
                foreach (var child in array)
                {
                    Materialize(child);
                }

                break;
        }
    }

    public static async Task<JsonObject> ReadObjectAsync(HttpRequest request, ResourceType type, CancellationToken cancellationToken)
    {
        var mediaType = MediaType(request);
        if (mediaType is not ("" or "application/json" or "*/*"))
        {
            throw ApiErrors.UnsupportedMediaType(["application/json"]);
        }

        return await ReadJsonAsync(request, type.Kind, cancellationToken) as JsonObject
            ?? throw ApiErrors.BadRequest($"the object provided is unrecognized (must be of type {type.Kind}): couldn't get version/kind; json parse error: the body is not a JSON object");
    }
}
