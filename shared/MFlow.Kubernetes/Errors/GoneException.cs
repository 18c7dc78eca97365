using System.Net;
using MFlow.Kubernetes.Models;

namespace MFlow.Kubernetes.Errors;

/// <summary>410 (reason &lt;c&gt;Expired&lt;/c&gt; or &lt;c&gt;Gone&lt;/c&gt;): the requested resource version is too old, because the server compacted its history. A watcher must list again and watch from the new version.</summary>
public sealed class GoneException : KubernetesApiException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">The message.</param>
    /// <param name="status">The Status the server returned, if the body was one.</param>
    public GoneException(string message, Status? status = null)
        : base(message, HttpStatusCode.Gone, status)
    {
    }
}
