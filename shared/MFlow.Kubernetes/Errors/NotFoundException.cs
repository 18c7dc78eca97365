using System.Net;
using MFlow.Kubernetes.Models;

namespace MFlow.Kubernetes.Errors;

/// <summary>404: the object (or namespace) does not exist.</summary>
public sealed class NotFoundException : KubernetesApiException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">The message.</param>
    /// <param name="status">The Status the server returned, if the body was one.</param>
    public NotFoundException(string message, Status? status = null)
        : base(message, HttpStatusCode.NotFound, status)
    {
    }
}
