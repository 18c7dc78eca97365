namespace MFlow.Kubernetes;

/// <summary>What happens to an object's dependents (a Job's pods) when it is deleted.</summary>
public enum PropagationPolicy
{
    /// <summary>Delete the object now; the garbage collector deletes dependents afterwards.</summary>
    Background,

    /// <summary>Delete dependents first; the object stays (with a deletion timestamp) until they are gone.</summary>
    Foreground,

    /// <summary>Delete the object and leave dependents running, without an owner.</summary>
    Orphan,
}
