using System.Text.Json.Nodes;
using MFlow.Scheduler.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Scalar.AspNetCore;

namespace MFlow.Scheduler.Api;

/// <summary>
/// The API's reference: the OpenAPI document at /openapi/v1.json (every route, its schemas, the role
/// it needs and the Bearer scheme) and a browsable reference at /docs (Scalar, served from its
/// package: no CDN, no fonts or telemetry from elsewhere, so it works offline). Both anonymous: they
/// describe the API, never its data.
/// </summary>
public static class ApiReference
{
    /// <summary>The document's name, as in /openapi/v1.json.</summary>
    public const string DocumentName = "v1";

    /// <summary>Where the document is served.</summary>
    public const string DocumentPath = "/openapi/v1.json";

    /// <summary>Where the reference UI is served.</summary>
    public const string UiPath = "/docs";

    /// <summary>The security scheme's name.</summary>
    public const string BearerScheme = "Bearer";

    /// <summary>The operation extension that names the lowest role a route needs.</summary>
    public const string RoleExtension = "x-mflow-role";

    /// <summary>Adds the document's generation.</summary>
    public static IServiceCollection AddApiReference(this IServiceCollection services) =>
        services.AddOpenApi(DocumentName, options =>
        {
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info = new OpenApiInfo
                {
                    Title = "MFlow API",
                    Version = "v1",
                    Description = "Start, follow and steer pipeline runs; manage job and pipeline definitions, clusters, triggers, subscriptions and API keys. "
                        + "Send an API key as 'Authorization: Bearer <key>'; each operation names the lowest role it needs (viewer < operator < admin) in "
                        + RoleExtension + ". Errors are RFC 9457 problem details.",
                };
                // Only the tags the operations use (see the transformer that names them).
                var used = document.Paths.Values.SelectMany(path => path.Operations?.Values.AsEnumerable() ?? []).SelectMany(operation => operation.Tags?.AsEnumerable() ?? [])
                    .Select(tag => tag.Name).ToHashSet();
                document.Tags = document.Tags?.Where(tag => used.Contains(tag.Name)).ToHashSet();
                // No server URL: the document is read where it is served (a proxy in front would make the request's own host wrong).
                document.Servers = [];
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http,
                    Scheme = "bearer",
                    Description = "An MFlow API key (POST /api/v1/keys creates one; the first comes from MFlow:Api:AdminKey or 'serve').",
                };
                return Task.CompletedTask;
            });
            // Bodies are read by the routes themselves (size and content type first, see RequestLimits), so
            // the document learns them from the routes' BodyRules and BodySchema.
            options.AddOperationTransformer(async (operation, context, cancellationToken) =>
            {
                var metadata = context.Description.ActionDescriptor.EndpointMetadata;
                if (metadata.OfType<BodyRules>().LastOrDefault() is not { } rules)
                    return;
                var schema = metadata.OfType<BodySchema>().LastOrDefault() is { } described
                    ? await context.GetOrCreateSchemaAsync(described.Type, null, cancellationToken)
                    : new OpenApiSchema { Type = JsonSchemaType.String };
                operation.RequestBody = new OpenApiRequestBody
                {
                    Required = true,
                    Description = $"At most {rules.MaxBytes} bytes, UTF-8.",
                    Content = rules.ContentTypes.ToDictionary(type => type, _ => new OpenApiMediaType { Schema = schema }),
                };
            });
            // Grouped by what they act on (runs, jobs, clusters...), the path's first segment after /api/v1.
            options.AddOperationTransformer((operation, context, _) =>
            {
                var segments = (context.Description.RelativePath ?? "").Split('/', StringSplitOptions.RemoveEmptyEntries);
                if (segments is ["api", "v1", var area, ..] && context.Document is { } document)
                {
                    document.Tags ??= new HashSet<OpenApiTag>();
                    if (!document.Tags.Any(tag => tag.Name == area))
                        document.Tags.Add(new OpenApiTag { Name = area });
                    operation.Tags = new HashSet<OpenApiTagReference> { new(area, document) };
                }
                return Task.CompletedTask;
            });
            options.AddOperationTransformer((operation, context, _) =>
            {
                var metadata = context.Description.ActionDescriptor.EndpointMetadata;
                if (metadata.OfType<IAllowAnonymous>().Any())
                    return Task.CompletedTask;
                // The group's policy and the route's: the highest role is the one that counts.
                var role = metadata.OfType<IAuthorizeData>().Select(a => a.Policy).Where(ApiRoles.IsRole)
                    .OrderBy(r => ApiRoles.All.ToList().IndexOf(r!)).LastOrDefault();
                if (role is null)
                    return Task.CompletedTask;
                operation.Security ??= [];
                operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, context.Document)] = [] });
                operation.Extensions ??= new Dictionary<string, IOpenApiExtension>();
                operation.Extensions[RoleExtension] = new JsonNodeExtension(JsonValue.Create(role));
                operation.Description = $"{(operation.Description is null ? "" : operation.Description + "\n\n")}Needs an API key with role '{role}' or higher.";
                operation.Responses ??= new OpenApiResponses();
                operation.Responses.TryAdd("401", new OpenApiResponse { Description = "No API key, or not a valid one (problem details)." });
                operation.Responses.TryAdd("403", new OpenApiResponse { Description = $"The key's role is lower than '{role}' (problem details)." });
                return Task.CompletedTask;
            });
        });

    /// <summary>Maps the document and the reference UI.</summary>
    public static IEndpointRouteBuilder MapApiReference(this IEndpointRouteBuilder app)
    {
        app.MapOpenApi(DocumentPath.Replace(DocumentName, "{documentName}", StringComparison.Ordinal)).AllowAnonymous();
        app.MapScalarApiReference(UiPath, options =>
        {
            options.Title = "MFlow API";
            options.OpenApiRoutePattern = DocumentPath.Replace(DocumentName, "{documentName}", StringComparison.Ordinal);
            // Offline: nothing fetched from elsewhere.
            options.DefaultFonts = false;
            options.Telemetry = false;
        }).AllowAnonymous();
        return app;
    }
}
