using System.Net;
using System.Text.Json;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace MFlow.Kubernetes;

/// <summary>Reads the official client's errors: the answer's status code and the API server's own message.</summary>
public static class KubernetesErrors
{
    /// <summary>The HTTP status of an error answer or a watch ERROR event; null for anything else (a network error).</summary>
    public static HttpStatusCode? StatusCode(this Exception exception) => exception switch
    {
        HttpOperationException { Response: { } response } => response.StatusCode,
        KubernetesException { Status.Code: { } code } => (HttpStatusCode)code,
        _ => null,
    };

    /// <summary>Whether the API server answered <paramref name="code"/>.</summary>
    public static bool Is(this Exception exception, HttpStatusCode code) => exception.StatusCode() == code;

    /// <summary>
    /// The Status's message (e.g. <c>Job.batch "x" is invalid: spec.template...</c>), else the code:
    /// never the request, and never a body that is not a Status.
    /// </summary>
    public static string Describe(this Exception exception)
    {
        if (exception is KubernetesException { Status.Message: { Length: > 0 } watchMessage })
            return watchMessage;
        if (exception is not HttpOperationException { Response: { } response })
            return exception.Message;
        try
        {
            if (KubernetesJson.Deserialize<V1Status>(response.Content ?? "") is { Message.Length: > 0 } status)
                return status.Message;
        }
        catch (JsonException)
        {
        }

        return $"{(int)response.StatusCode} {response.ReasonPhrase ?? response.StatusCode.ToString()}";
    }
}
