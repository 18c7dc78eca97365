namespace MFlow.Kubernetes;

/// <summary>Where a watch starts and what it sees.</summary>
public sealed record WatchOptions
{
    /// <summary>
    /// Deliver changes after this resource version (from a list or a previous event). When null
    /// the server first sends an ADDED event for every existing object.
    /// </summary>
    public string? ResourceVersion { get; init; }

    /// <summary>A label selector.</summary>
    public string? LabelSelector { get; init; }

    /// <summary>A field selector, e.g. <c>metadata.name=build-1</c>.</summary>
    public string? FieldSelector { get; init; }

    /// <summary>
    /// How long the server keeps the watch open before ending it normally. The client also gives
    /// up 30 s after that, in case the connection died silently. Server default when null.
    /// </summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>Ask for BOOKMARK events, which advance the resource version without a change. Default true.</summary>
    public bool AllowBookmarks { get; init; } = true;
}
