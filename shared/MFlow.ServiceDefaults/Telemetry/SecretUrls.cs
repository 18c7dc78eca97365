using System.Diagnostics;
using System.Net.Http;
using OpenTelemetry.Instrumentation.Http;

namespace MFlow.ServiceDefaults.Telemetry;

/// <summary>
/// Outgoing requests whose URL is a credential (a Slack, Feishu or WeCom webhook holds its token in
/// its path or query): the sender marks the request, and its client span shows only the URL's scheme,
/// host and port, so the token never reaches a trace exporter (an OTLP collector, a tracing backend).
/// Other requests (the Kubernetes API) keep their whole URL.
/// </summary>
public static class SecretUrls
{
    /// <summary>What a redacted path and query are shown as.</summary>
    public const string Redacted = "/***";

    /// <summary>The request option that marks a request whose URL is a credential.</summary>
    public static readonly HttpRequestOptionsKey<bool> Key = new("MFlow.SecretUrl");

    /// <summary>Marks <paramref name="request"/>: its URL's path and query are kept out of telemetry.</summary>
    public static HttpRequestMessage MarkSecret(this HttpRequestMessage request)
    {
        request.Options.Set(Key, true);
        return request;
    }

    /// <summary><paramref name="url"/> with its path, query and fragment replaced by <see cref="Redacted"/>.</summary>
    public static string Redact(Uri url) => url.GetLeftPart(UriPartial.Authority) + Redacted;

    /// <summary>
    /// The HttpClient instrumentation's hooks: the instrumentation records the request's whole URL
    /// (<c>url.full</c>) first, then calls the enricher, which overwrites it for a marked request.
    /// </summary>
    public static void Configure(HttpClientTraceInstrumentationOptions options)
    {
        options.EnrichWithHttpRequestMessage = (activity, request) =>
        {
            if (request.RequestUri is { } url && request.Options.TryGetValue(Key, out var secret) && secret)
                RedactOn(activity, url);
        };
    }

    static void RedactOn(Activity activity, Uri url)
    {
        var redacted = Redact(url);
        foreach (var tag in new[] { "url.full", "http.url" })
        {
            if (activity.GetTagItem(tag) is not null)
                activity.SetTag(tag, redacted);
        }

        if (activity.DisplayName.Contains(url.AbsolutePath, StringComparison.Ordinal) && url.AbsolutePath != "/")
            activity.DisplayName = activity.DisplayName.Replace(url.AbsolutePath, Redacted, StringComparison.Ordinal);
    }
}
