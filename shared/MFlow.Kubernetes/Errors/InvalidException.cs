using System.Net;
using MFlow.Kubernetes.Models;

namespace MFlow.Kubernetes.Errors;

/// <summary>422: the object failed validation; <see cref="KubernetesApiException.Causes"/> lists each invalid field.</summary>
public sealed class InvalidException : KubernetesApiException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">The message.</param>
    /// <param name="status">The Status the server returned, if the body was one.</param>
    public InvalidException(string message, Status? status = null)
        : base(message, HttpStatusCode.UnprocessableEntity, status)
    {
    }
}
