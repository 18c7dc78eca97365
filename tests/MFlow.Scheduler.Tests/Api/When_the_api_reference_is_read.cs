using System.Net;
using System.Text.RegularExpressions;
using MassTransit;
using MFlow.Persistence;
using MFlow.Scheduler.Api;
using MFlow.Scheduler.Extensions;
using MFlow.Scheduler.Security;
using MFlow.Testing;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.OpenApi;
using Microsoft.OpenApi.Reader;

namespace MFlow.Scheduler.Tests.Api;

/// <summary>
/// Issue 14, acceptance 4: the scheduler's API as it serves it (on SQLite and the in-memory bus, no
/// key sent) answers /openapi/v1.json with a valid OpenAPI document (read with Microsoft.OpenApi) that
/// lists every route it maps, with the role each needs and the Bearer scheme, and /docs without a CDN.
/// </summary>
public sealed partial class When_the_api_reference_is_read : IAsyncLifetime
{
    readonly string _directory = Directory.CreateTempSubdirectory("mflow-openapi-").FullName;
    WebApplication _app = null!;
    HttpClient _client = null!;
    OpenApiDocument _document = null!;
    OpenApiDiagnostic _diagnostic = null!;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["MFlow:Database:Provider"] = nameof(DatabaseProvider.Sqlite),
            ["MFlow:Database:ConnectionString"] = $"Data Source={Path.Combine(_directory, "mflow.db")}",
            ["Logging:LogLevel:Default"] = "Warning",
        });
        var address = $"http://127.0.0.1:{FreePort.Next()}";
        builder.WebHost.UseUrls(address);
        builder.AddMFlowDatabase();
        builder.AddSchedulerServices();
        builder.Services.AddMassTransit(bus => bus.UsingInMemory());
        _app = builder.Build();
        _app.MapSchedulerApi();
        await _app.StartAsync();

        _client = new HttpClient { BaseAddress = new Uri(address) };
        using var response = await _client.GetAsync(ApiReference.DocumentPath);
        var json = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{ApiReference.DocumentPath} answered {(int)response.StatusCode}: {json}");
        var read = OpenApiDocument.Parse(json, "json");
        (_document, _diagnostic) = (read.Document!, read.Diagnostic!);
    }

    public async Task DisposeAsync()
    {
        _client?.Dispose();
        if (_app is not null)
            await _app.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public void Should_be_a_valid_openapi_3_document_naming_the_bearer_scheme()
    {
        Assert.Empty(_diagnostic.Errors);
        Assert.StartsWith("3.", _diagnostic.SpecificationVersion.ToString().Replace("OpenApi", "", StringComparison.Ordinal).Replace('_', '.'), StringComparison.Ordinal);
        Assert.Equal("MFlow API", _document.Info.Title);
        var bearer = Assert.Contains(ApiReference.BearerScheme, _document.Components!.SecuritySchemes!);
        Assert.Equal((SecuritySchemeType.Http, "bearer"), (bearer.Type, bearer.Scheme));
    }

    [Fact]
    public void Should_list_every_mapped_route_with_the_role_it_needs()
    {
        var mapped = ((IEndpointRouteBuilder)_app).DataSources.SelectMany(source => source.Endpoints).OfType<RouteEndpoint>()
            .Where(endpoint => endpoint.Metadata.GetMetadata<HttpMethodMetadata>() is not null)
            .Where(endpoint => !IsReferenceItself(endpoint.RoutePattern.RawText!))
            .SelectMany(endpoint => endpoint.Metadata.GetMetadata<HttpMethodMetadata>()!.HttpMethods.Select(method => (Method: method, Endpoint: endpoint)))
            .ToList();
        Assert.True(mapped.Count > 40, $"only {mapped.Count} routes found");

        var missing = new List<string>();
        foreach (var (method, endpoint) in mapped)
        {
            var path = DocumentPath(endpoint.RoutePattern.RawText!);
            if (_document.Paths.GetValueOrDefault(path)?.Operations?.GetValueOrDefault(new HttpMethod(method)) is not { } operation)
            {
                missing.Add($"{method} {path}");
                continue;
            }

            var role = endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>().Select(a => a.Policy).Where(ApiRoles.IsRole)
                .OrderBy(r => ApiRoles.All.ToList().IndexOf(r!)).LastOrDefault();
            if (role is null)
            {
                Assert.True(operation.Security is null or { Count: 0 }, $"{method} {path} takes no key but the document asks for one");
                continue;
            }

            Assert.True(operation.Extensions is { } extensions && extensions.TryGetValue(ApiReference.RoleExtension, out var named)
                && named is JsonNodeExtension { Node: var node } && node.GetValue<string>() == role,
                $"{method} {path} should name role '{role}'");
            Assert.Contains(operation.Security!, requirement => requirement.Keys.Any(scheme => scheme.Reference.Id == ApiReference.BearerScheme));
        }

        Assert.True(missing.Count == 0, "Mapped but not in the document:\n" + string.Join('\n', missing));
    }

    [Fact]
    public void Should_describe_a_runs_request_and_response_bodies()
    {
        var start = _document.Paths["/api/v1/runs"].Operations![HttpMethod.Post];
        Assert.Equal(["application/json", "application/x-yaml", "application/yaml", "text/x-yaml", "text/yaml"], start.RequestBody!.Content!.Keys.Order(StringComparer.Ordinal));
        Assert.Contains("pipeline", start.RequestBody.Content["application/json"].Schema!.Properties!.Keys);
        Assert.Equal("RunAccepted", SchemaId(start.Responses!["201"]));
        Assert.Equal("RunView", SchemaId(_document.Paths["/api/v1/runs/{id}"].Operations![HttpMethod.Get].Responses!["200"]));
        Assert.Contains("text/event-stream", _document.Paths["/api/v1/runs/{id}/events"].Operations![HttpMethod.Get].Responses!["200"].Content!.Keys);
        Assert.Equal("CallerView", SchemaId(_document.Paths["/api/v1/me"].Operations![HttpMethod.Get].Responses!["200"]));
    }

    [Fact]
    public async Task Should_serve_the_reference_ui_from_this_server_alone()
    {
        using var page = await _client.GetAsync(ApiReference.UiPath + "/");
        var html = await page.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("<title>MFlow API</title>", html);
        // Every script and stylesheet comes from this server: no absolute URL anywhere in the page.
        Assert.DoesNotMatch(AbsoluteUrl(), html);
        foreach (Match script in ScriptSource().Matches(html))
        {
            using var asset = await _client.GetAsync(ApiReference.UiPath + "/" + script.Groups[1].Value);
            Assert.True(asset.StatusCode == HttpStatusCode.OK, $"{script.Groups[1].Value} answered {(int)asset.StatusCode}");
        }
    }

    // The document, its UI and the dashboard's page and files are the only routes it need not
    // describe: they are pages for a browser, not API.
    static bool IsReferenceItself(string pattern) =>
        pattern.StartsWith("/openapi/", StringComparison.Ordinal) || pattern.StartsWith(ApiReference.UiPath, StringComparison.Ordinal)
        || pattern == "/" || pattern.StartsWith("/ui/", StringComparison.Ordinal);

    // "/api/v1/runs/{id:guid}/" → "/api/v1/runs/{id}": constraints and a group's trailing slash are not part of the path.
    static string DocumentPath(string pattern)
    {
        var path = Constraint().Replace(pattern, "}");
        return path.Length > 1 ? path.TrimEnd('/') : path;
    }

    static string? SchemaId(IOpenApiResponse response) =>
        response.Content is { } content && content.TryGetValue("application/json", out var json) && json.Schema is OpenApiSchemaReference reference ? reference.Reference.Id : null;

    [GeneratedRegex(":[^}]*}")]
    private static partial Regex Constraint();

    [GeneratedRegex("(?:src|href)=\"https?://", RegexOptions.IgnoreCase)]
    private static partial Regex AbsoluteUrl();

    [GeneratedRegex("<script src=\"([^\"]+)\"")]
    private static partial Regex ScriptSource();
}
