using System.Text.Json.Nodes;

namespace MFlow.Kubernetes.Fake.Api;

/// <summary>A failed request: the HTTP code and the Status object the apiserver answers with.</summary>
internal sealed class ApiException(int code, JsonObject status, TimeSpan? retryAfter = null)
    : Exception(status["message"]?.GetValue<string>())
{
    public int Code { get; } = code;

    public JsonObject Status { get; } = status;

    /// <summary>Sent as the Retry-After header (429, 503 and injected faults).</summary>
    public TimeSpan? RetryAfter { get; } = retryAfter;

    public string Reason => Status["reason"]?.GetValue<string>() ?? "";
}
