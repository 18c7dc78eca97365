using System.Net;
using MFlow.Kubernetes.Models;

namespace MFlow.Kubernetes.Errors;

/// <summary>403: the credentials are valid but RBAC denies the request (or admission refused it).</summary>
public sealed class ForbiddenException : KubernetesApiException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">The message.</param>
    /// <param name="status">The Status the server returned, if the body was one.</param>
    public ForbiddenException(string message, Status? status = null)
        : base(message, HttpStatusCode.Forbidden, status)
    {
    }
}
