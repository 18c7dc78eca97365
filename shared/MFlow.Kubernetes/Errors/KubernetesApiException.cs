using System.Net;
using MFlow.Kubernetes.Models;

namespace MFlow.Kubernetes.Errors;

/// <summary>
/// The API server refused a request (a non-2xx answer, or an ERROR watch event). Subclasses name
/// the cases callers act on; this class itself stands for any other code. Messages carry the
/// verb, path and the server's message, never the request body (it may hold secret data).
/// </summary>
public class KubernetesApiException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">The message.</param>
    /// <param name="statusCode">The HTTP status code (or the code of the watch ERROR event's Status).</param>
    /// <param name="status">The Status the server returned, if the body was one.</param>
    /// <param name="innerException">The underlying error, if any.</param>
    public KubernetesApiException(string message, HttpStatusCode statusCode, Status? status = null, Exception? innerException = null)
        : base(message, innerException)
    {
        StatusCode = statusCode;
        Status = status;
    }

    /// <summary>The HTTP status code.</summary>
    public HttpStatusCode StatusCode { get; }

    /// <summary>The server's Status, when the body was one.</summary>
    public Status? Status { get; }

    /// <summary>The machine-readable reason, e.g. <c>AlreadyExists</c>, when known.</summary>
    public string? Reason => Status?.Reason;

    /// <summary>The individual causes (e.g. one per invalid field); empty when none were given.</summary>
    public IReadOnlyList<StatusCause> Causes => Status?.Details?.Causes ?? [];
}
