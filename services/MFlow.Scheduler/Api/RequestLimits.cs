using MFlow.Documents;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;

namespace MFlow.Scheduler.Api;

/// <summary>What request body a route takes: its largest size and its content types. Routes without it take no body.</summary>
/// <param name="MaxBytes">The largest body, in bytes.</param>
/// <param name="ContentTypes">The media types accepted (parameters such as charset aside).</param>
public sealed record BodyRules(int MaxBytes, IReadOnlyList<string> ContentTypes)
{
    /// <summary>YAML or JSON documents.</summary>
    public static readonly IReadOnlyList<string> Documents = ["application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml", "application/json"];

    /// <summary>JSON only.</summary>
    public static readonly IReadOnlyList<string> Json = ["application/json"];
}

/// <summary>The type a route's body holds (JSON, or the same fields in YAML), for the API reference.</summary>
public sealed record BodySchema(Type Type);

/// <summary>
/// Every route's request body limit, enforced before the handler runs: a declared length over the
/// route's limit or a content type it does not take is answered at once (413, 415), and Kestrel is
/// told the limit so that a chunked body is cut at the byte past it. Routes that declare no body
/// take none. Answers are problem details naming the limit.
/// </summary>
public static class RequestLimits
{
    /// <summary>The largest body any route takes (the outputs route's): Kestrel's own limit, which each route lowers.</summary>
    public const int MaxBodyBytes = 2 * 1024 * 1024;

    /// <summary>Declares the body a route takes.</summary>
    public static TBuilder AcceptsBody<TBuilder>(this TBuilder builder, int maxBytes, IReadOnlyList<string> contentTypes)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new BodyRules(maxBytes, contentTypes));

    /// <summary>Names the type a route's body holds, for the API reference (it changes neither routing nor the limits).</summary>
    public static TBuilder DescribesBody<TBuilder>(this TBuilder builder, Type bodyType)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new BodySchema(bodyType));

    /// <summary>Adds the middleware; call after routing has chosen the endpoint.</summary>
    public static IApplicationBuilder UseRequestLimits(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (context.GetEndpoint() is not { } endpoint)
        {
            await next(context);
            return;
        }

        var rules = endpoint.Metadata.GetMetadata<BodyRules>();
        var maxBytes = rules?.MaxBytes ?? 0;
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
            size.MaxRequestBodySize = maxBytes;

        var request = context.Request;
        var hasBody = request.ContentLength > 0 || (request.ContentLength is null && request.Headers.TransferEncoding.Count > 0);
        if (hasBody)
        {
            // Refused unread: the connection cannot carry another request after a body nobody read.
            void Close() => context.Response.Headers.Connection = "close";

            if (rules is null)
            {
                Close();
                await TooLarge("This route takes no request body.", 0).ExecuteAsync(context);
                return;
            }

            if (request.ContentLength > maxBytes)
            {
                Close();
                await TooLarge($"The request body is {request.ContentLength} bytes; this route takes at most {maxBytes}.", maxBytes).ExecuteAsync(context);
                return;
            }

            if (!Accepts(rules, request.ContentType))
            {
                Close();
                await Results.Problem(
                    statusCode: StatusCodes.Status415UnsupportedMediaType,
                    title: "The content type is not supported.",
                    detail: $"This route takes {string.Join(", ", rules.ContentTypes)} (UTF-8), not '{Shown(request.ContentType)}'.",
                    extensions: new Dictionary<string, object?> { ["accepted"] = rules.ContentTypes }).ExecuteAsync(context);
                return;
            }
        }

        try
        {
            await next(context);
        }
        catch (Exception ex) when (!context.Response.HasStarted && IsTooLarge(ex))
        {
            context.Response.Headers.Connection = "close";
            await TooLarge($"The request body is larger than {maxBytes} bytes, the limit of this route.", maxBytes).ExecuteAsync(context);
        }
    });

    /// <summary>A 413 problem naming the limit.</summary>
    public static IResult TooLarge(string detail, long limitBytes) =>
        Results.Problem(
            statusCode: StatusCodes.Status413PayloadTooLarge,
            title: "The request is too large.",
            detail: detail,
            extensions: new Dictionary<string, object?> { ["limitBytes"] = limitBytes });

    // Kestrel's own verdict on a body over the limit it was given, or ours on a body read in full.
    static bool IsTooLarge(Exception ex) =>
        ex is BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } or DocumentLimitException { TooLarge: true };

    static bool Accepts(BodyRules rules, string? contentType)
    {
        if (!MediaTypeHeaderValue.TryParse(contentType, out var media) || media.MediaType.Value is not { } type)
            return false;
        if (media.Charset.HasValue && !media.Charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase))
            return false;
        return rules.ContentTypes.Contains(type, StringComparer.OrdinalIgnoreCase);
    }

    static string Shown(string? value) =>
        value is null ? "none" : new string(value.Select(c => char.IsControl(c) ? '?' : c).Take(100).ToArray());
}
