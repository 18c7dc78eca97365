using System.Net;
using System.Text;
using System.Text.Json;
using MFlow.Kubernetes.Models;

namespace MFlow.Kubernetes.Errors;

/// <summary>Maps error answers (a Status or any other body) to the typed exceptions.</summary>
internal static class KubernetesErrors
{
    /// <summary>How much of a body that is not a Status goes into a message.</summary>
    private const int SnippetLength = 256;

    /// <summary>Creates the exception for an error answer to <paramref name="operation"/> (e.g. <c>POST /api/v1/...</c>).</summary>
    public static KubernetesApiException Create(string operation, HttpStatusCode code, ReadOnlySpan<byte> body)
    {
        var status = TryParseStatus(body);
        if (status is not null)
        {
            return FromStatus(operation, code, status);
        }

        var snippet = Snippet(body);
        var message = snippet.Length > 0
            ? $"{operation} failed with {(int)code} {code}: {snippet}"
            : $"{operation} failed with {(int)code} {code} and an empty body.";
        return FromCode(code, reason: null, message, status: null);
    }

    /// <summary>Creates the exception for a Status (from an error answer or a watch ERROR event).</summary>
    public static KubernetesApiException FromStatus(string operation, HttpStatusCode? code, Status status)
    {
        // The Status's own code is authoritative for watch events, where the HTTP answer was 200.
        var effective = status.Code is > 0 ? (HttpStatusCode)status.Code.Value : code ?? HttpStatusCode.InternalServerError;
        var detail = status.Message ?? status.Reason ?? "no message";
        var causes = status.Details?.Causes is { Count: > 0 } list ? $" [{string.Join("; ", list)}]" : "";
        var message = $"{operation} failed with {(int)effective} {status.Reason ?? effective.ToString()}: {detail}{causes}";
        return FromCode(effective, status.Reason, message, status);
    }

    private static KubernetesApiException FromCode(HttpStatusCode code, string? reason, string message, Status? status) =>
        code switch
        {
            HttpStatusCode.Conflict when reason == "AlreadyExists" => new AlreadyExistsException(message, status),
            HttpStatusCode.Conflict => new ConflictException(message, status),
            HttpStatusCode.UnprocessableEntity => new InvalidException(message, status),
            HttpStatusCode.NotFound => new NotFoundException(message, status),
            HttpStatusCode.Forbidden => new ForbiddenException(message, status),
            HttpStatusCode.Unauthorized => new UnauthorizedException(message, status),
            HttpStatusCode.Gone => new GoneException(message, status),
            _ => new KubernetesApiException(message, code, status),
        };

    public static Status? TryParseStatus(ReadOnlySpan<byte> body)
    {
        if (body.IsEmpty)
        {
            return null;
        }

        try
        {
            var status = JsonSerializer.Deserialize(body, KubernetesJsonContext.Default.Status);
            // Status has defaults for kind and apiVersion, so require a member only a real Status
            // has; a proxy's JSON error body otherwise passes for an empty Status.
            return status is { Kind: "Status" } && (status.Code is not null || status.Outcome is not null || status.Reason is not null)
                ? status
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string Snippet(ReadOnlySpan<byte> body)
    {
        var text = Encoding.UTF8.GetString(body[..Math.Min(body.Length, SnippetLength * 4)]);
        var builder = new StringBuilder(Math.Min(text.Length, SnippetLength));
        foreach (var c in text)
        {
            if (builder.Length >= SnippetLength)
            {
                builder.Append("...");
                break;
            }

            // Collapse control characters so a proxy's HTML error page stays one readable line.
            builder.Append(char.IsControl(c) ? ' ' : c);
        }

        return builder.ToString().Trim();
    }
}
