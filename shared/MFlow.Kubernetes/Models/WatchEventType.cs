using System.Text.Json.Serialization;

namespace MFlow.Kubernetes.Models;

/// <summary>The type of a watch event.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<WatchEventType>))]
public enum WatchEventType
{
    /// <summary>An object was created (or is seen for the first time).</summary>
    [JsonStringEnumMemberName("ADDED")]
    Added,

    /// <summary>An object changed.</summary>
    [JsonStringEnumMemberName("MODIFIED")]
    Modified,

    /// <summary>An object was deleted; the event carries its last state.</summary>
    [JsonStringEnumMemberName("DELETED")]
    Deleted,

    /// <summary>Only the resource version moved on; the object carries nothing else.</summary>
    [JsonStringEnumMemberName("BOOKMARK")]
    Bookmark,

    /// <summary>The watch failed; the object is a <see cref="Status"/>.</summary>
    [JsonStringEnumMemberName("ERROR")]
    Error,
}
