using System.Net;
using MFlow.Kubernetes.Models;

namespace MFlow.Kubernetes.Errors;

/// <summary>409 with reason &lt;c&gt;AlreadyExists&lt;/c&gt;: an object of that name exists. For a create with a deterministic name this usually means &quot;adopt the existing one&quot;, including when an earlier attempt of the same create succeeded but its answer was lost and the client retried.</summary>
public sealed class AlreadyExistsException : KubernetesApiException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">The message.</param>
    /// <param name="status">The Status the server returned, if the body was one.</param>
    public AlreadyExistsException(string message, Status? status = null)
        : base(message, HttpStatusCode.Conflict, status)
    {
    }
}
