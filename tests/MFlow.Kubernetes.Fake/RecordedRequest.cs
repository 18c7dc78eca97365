namespace MFlow.Kubernetes.Fake;

/// <summary>One request the server answered, for tests and benchmarks that count API calls.</summary>
/// <param name="Timestamp">When the request arrived.</param>
/// <param name="Method">The HTTP method.</param>
/// <param name="Verb">The Kubernetes verb (create, get, list, watch, update, patch, delete, deletecollection).</param>
/// <param name="Resource">The resource (e.g. "jobs"), or null for non-resource paths such as <c>/version</c>.</param>
/// <param name="Subresource">The subresource (e.g. "log"), if any.</param>
/// <param name="Namespace">The namespace in the path, if any.</param>
/// <param name="Name">The object name in the path; for a create, the name of the object in its body (as the apiserver's audit log records it), once that was read.</param>
/// <param name="PathAndQuery">The path and query string.</param>
/// <param name="StatusCode">The HTTP status code answered (for a watch: the one its stream started with).</param>
/// <param name="User">The authenticated user, or null if authentication failed.</param>
public sealed record RecordedRequest(
    DateTimeOffset Timestamp,
    string Method,
    string Verb,
    string? Resource,
    string? Subresource,
    string? Namespace,
    string? Name,
    string PathAndQuery,
    int StatusCode,
    string? User);
