using System.Reflection;
using System.Security.Cryptography;
using Microsoft.Net.Http.Headers;

namespace MFlow.Scheduler.Dashboard;

/// <summary>
/// The web dashboard: a page at <c>/</c> and its scripts and styles at <c>/ui/{file}</c>, embedded
/// in this assembly (so the scheduler and the standalone serve the same files, with no content root
/// to find). The page is a client of the HTTP API like any other: it holds no data and needs no key
/// to load; everything it shows comes from /api/v1 with the key the user signs in with.
/// </summary>
public static class DashboardEndpoints
{
    /// <summary>
    /// The pages' Content-Security-Policy: scripts, styles and requests only from this origin, no
    /// inline script or style, no frames, no forms posting anywhere. An injected string can neither
    /// run nor send a key elsewhere.
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    const string ResourcePrefix = "dashboard/";

    static readonly Lazy<IReadOnlyDictionary<string, DashboardFile>> Files = new(Load);

    /// <summary>Maps <c>/</c> and <c>/ui/{file}</c>; anonymous, and left out of the API's description.</summary>
    public static IEndpointRouteBuilder MapDashboard(this IEndpointRouteBuilder app)
    {
        app.MapGet("/", (HttpContext http) => Serve(http, "index.html")).ExcludeFromDescription();
        app.MapGet("/ui/{file}", (string file, HttpContext http) => Serve(http, file)).ExcludeFromDescription();
        return app;
    }

    /// <summary>The names of the files served under /ui/ (and index.html at /).</summary>
    public static IEnumerable<string> FileNames => Files.Value.Keys;

    static IResult Serve(HttpContext http, string name)
    {
        if (!Files.Value.TryGetValue(name, out var file))
            return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found.", detail: "The dashboard has no such file.");

        var headers = http.Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        headers["Cross-Origin-Opener-Policy"] = "same-origin";
        // Revalidated on every load (the ETag makes that a 304): an upgraded server's page and
        // scripts are never mixed with a cached older copy.
        headers.CacheControl = "no-cache";
        return Results.Bytes(file.Content, file.ContentType, entityTag: file.ETag);
    }

    static Dictionary<string, DashboardFile> Load()
    {
        var assembly = typeof(DashboardEndpoints).Assembly;
        var files = new Dictionary<string, DashboardFile>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames().Where(r => r.StartsWith(ResourcePrefix, StringComparison.Ordinal)))
        {
            var content = Read(assembly, resource);
            var name = resource[ResourcePrefix.Length..];
            var tag = new EntityTagHeaderValue($"\"{Convert.ToHexStringLower(SHA256.HashData(content))[..16]}\"");
            files[name] = new DashboardFile(content, ContentType(name), tag);
        }

        return files;
    }

    static byte[] Read(Assembly assembly, string resource)
    {
        using var stream = assembly.GetManifestResourceStream(resource)!;
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    static string ContentType(string name) => Path.GetExtension(name) switch
    {
        ".html" => "text/html; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".svg" => "image/svg+xml",
        var other => throw new InvalidOperationException($"The dashboard file {name} has a type ({other}) nobody said how to serve."),
    };

    sealed record DashboardFile(byte[] Content, string ContentType, EntityTagHeaderValue ETag);
}
