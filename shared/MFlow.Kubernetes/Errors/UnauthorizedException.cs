using System.Net;
using MFlow.Kubernetes.Models;

namespace MFlow.Kubernetes.Errors;

/// <summary>401: the credentials were not accepted (a wrong or expired token, an unknown client certificate).</summary>
public sealed class UnauthorizedException : KubernetesApiException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">The message.</param>
    /// <param name="status">The Status the server returned, if the body was one.</param>
    public UnauthorizedException(string message, Status? status = null)
        : base(message, HttpStatusCode.Unauthorized, status)
    {
    }
}
