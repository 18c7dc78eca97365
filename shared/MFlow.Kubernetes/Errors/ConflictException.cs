using System.Net;
using MFlow.Kubernetes.Models;

namespace MFlow.Kubernetes.Errors;

/// <summary>409 other than AlreadyExists, typically a stale &lt;c&gt;resourceVersion&lt;/c&gt; on update: re-read and try again.</summary>
public sealed class ConflictException : KubernetesApiException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">The message.</param>
    /// <param name="status">The Status the server returned, if the body was one.</param>
    public ConflictException(string message, Status? status = null)
        : base(message, HttpStatusCode.Conflict, status)
    {
    }
}
