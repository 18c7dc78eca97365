namespace MFlow.Kubernetes.Fake;

/// <summary>What an authenticated request wants to do, as an authorizer sees it (RBAC's attributes).</summary>
/// <param name="User">The authenticated user name.</param>
/// <param name="Verb">The Kubernetes verb: get, list, watch, create, update, patch, delete, deletecollection.</param>
/// <param name="Group">The API group ("" for the core group, "batch" for Jobs).</param>
/// <param name="Resource">The resource (plural, e.g. "jobs"), or null for a non-resource path.</param>
/// <param name="Subresource">The subresource (e.g. "log"), if any.</param>
/// <param name="Namespace">The namespace, or null for cluster-wide requests.</param>
/// <param name="Name">The object name, if the request names one.</param>
/// <param name="Path">The request path.</param>
public sealed record AccessRequest(
    string User,
    string Verb,
    string Group,
    string? Resource,
    string? Subresource,
    string? Namespace,
    string? Name,
    string Path);
