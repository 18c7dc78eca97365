using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace MFlow.Cli.Api;

/// <summary>
/// The API refused a request: its status and problem details (RFC 9457: title, detail, and the field
/// errors of a validation problem), printed the way a user reads them.
/// </summary>
public sealed class ApiException(HttpStatusCode status, string method, string path, string title, string? detail, IReadOnlyDictionary<string, string[]> errors)
    : CliException(Describe(status, method, path, title, detail, errors))
{
    /// <summary>The HTTP status.</summary>
    public HttpStatusCode Status { get; } = status;

    /// <summary>The problem's title.</summary>
    public string Title { get; } = title;

    /// <summary>The field errors of a validation problem, by field.</summary>
    public IReadOnlyDictionary<string, string[]> Errors { get; } = errors;

    /// <summary>Reads the problem details of a refused response (or whatever text it carried).</summary>
    public static async Task<ApiException> FromAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var request = response.RequestMessage;
        var method = request?.Method.Method ?? "";
        var path = request?.RequestUri?.PathAndQuery ?? "";
        string text;
        try
        {
            text = await response.Content.ReadAsStringAsync(cancellationToken);
        }
        catch (HttpRequestException)
        {
            text = "";
        }

        var errors = new Dictionary<string, string[]>();
        string? title = null, detail = null;
        try
        {
            if (JsonNode.Parse(text) is JsonObject problem)
            {
                title = problem["title"]?.GetValue<string>();
                detail = problem["detail"]?.GetValue<string>();
                if (problem["errors"] is JsonObject fields)
                {
                    foreach (var (field, messages) in fields)
                    {
                        errors[field] = messages switch
                        {
                            JsonArray list => [.. list.Select(m => m?.ToString() ?? "")],
                            null => [],
                            var single => [single.ToString()],
                        };
                    }
                }
            }
        }
        catch (System.Text.Json.JsonException)
        {
            // Not problem details (a proxy's page, a plain-text answer): its first line says enough.
        }

        if (title is null)
        {
            title = response.ReasonPhrase ?? response.StatusCode.ToString();
            var firstLine = text.Split('\n', 2)[0].Trim();
            detail ??= firstLine.Length == 0 ? null : firstLine.Length > 300 ? firstLine[..300] + "..." : firstLine;
        }

        if (response.StatusCode == HttpStatusCode.Unauthorized)
            detail = (detail is null ? "" : detail + " ") + "The API key was not accepted: log in again (mflow login) or check MFLOW_KEY.";
        else if (response.StatusCode == HttpStatusCode.Forbidden && detail is null)
            detail = "The API key's role does not allow this (viewer reads; operator also runs; admin also manages definitions, clusters and keys).";
        return new ApiException(response.StatusCode, method, path, title, detail, errors);
    }

    static string Describe(HttpStatusCode status, string method, string path, string title, string? detail, IReadOnlyDictionary<string, string[]> errors)
    {
        var text = new StringBuilder($"{title} (HTTP {(int)status}, {method} {path})");
        if (!string.IsNullOrWhiteSpace(detail))
            text.Append('\n').Append("  ").Append(detail);
        foreach (var (field, messages) in errors)
        {
            foreach (var message in messages.DefaultIfEmpty(""))
                text.Append('\n').Append("  ").Append(field).Append(": ").Append(message);
        }

        return text.ToString();
    }
}
