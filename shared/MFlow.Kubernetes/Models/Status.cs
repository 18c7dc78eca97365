namespace MFlow.Kubernetes.Models;

/// <summary>The <c>v1</c> Status the API server returns for errors (and some successful deletes).</summary>
public sealed class Status
{
    /// <summary>Always <c>Status</c>.</summary>
    public string? Kind { get; set; } = "Status";

    /// <summary>Always <c>v1</c>.</summary>
    public string? ApiVersion { get; set; } = "v1";

    /// <summary>List-style metadata (rarely set).</summary>
    public ListMeta? Metadata { get; set; }

    /// <summary><c>Success</c> or <c>Failure</c>.</summary>
    [System.Text.Json.Serialization.JsonPropertyName("status")]
    public string? Outcome { get; set; }

    /// <summary>Human-readable description.</summary>
    public string? Message { get; set; }

    /// <summary>Machine-readable reason, e.g. <c>AlreadyExists</c>, <c>NotFound</c>, <c>Invalid</c>, <c>Expired</c>.</summary>
    public string? Reason { get; set; }

    /// <summary>The HTTP status code this status stands for.</summary>
    public int? Code { get; set; }

    /// <summary>Extra data about the reason.</summary>
    public StatusDetails? Details { get; set; }
}
