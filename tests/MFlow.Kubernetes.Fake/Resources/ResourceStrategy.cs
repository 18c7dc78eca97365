using System.Text.Json.Nodes;
using MFlow.Kubernetes.Fake.Json;
using MFlow.Kubernetes.Fake.Validation;

namespace MFlow.Kubernetes.Fake.Resources;

/// <summary>
/// Per-resource behaviour of the apiserver's registry: defaulting, server-owned fields and
/// validation. Implementations may throw <see cref="DecodeException"/> for bodies Go could not decode.
/// </summary>
internal interface IResourceStrategy
{
    /// <summary>Fills defaults and server-set fields of a new object (uid and timestamps are already set).</summary>
    void PrepareForCreate(JsonObject obj);

    /// <summary>Carries server-owned fields (status, generation) from <paramref name="current"/> into an update.</summary>
    void PrepareForUpdate(JsonObject updated, JsonObject current);

    void Validate(JsonObject obj, List<FieldError> errors);

    void ValidateUpdate(JsonObject updated, JsonObject current, List<FieldError> errors);
}

/// <summary>The common part: metadata validation, and updates that keep the status as it was.</summary>
internal abstract class ResourceStrategy : IResourceStrategy
{
    /// <summary>Whether status is owned by a subresource, so that writes to the main resource ignore it.</summary>
    protected virtual bool HasStatus => false;

    public virtual void PrepareForCreate(JsonObject obj)
    {
    }

    public virtual void PrepareForUpdate(JsonObject updated, JsonObject current)
    {
        if (HasStatus)
        {
            updated["status"] = current["status"]?.DeepClone();
        }
    }

    public void Validate(JsonObject obj, List<FieldError> errors)
    {
        MetadataValidator.Validate(obj, errors);
        ValidateObject(obj, errors);
    }

    public virtual void ValidateUpdate(JsonObject updated, JsonObject current, List<FieldError> errors) => Validate(updated, errors);

    protected abstract void ValidateObject(JsonObject obj, List<FieldError> errors);

    /// <summary>Gets an object-valued field, creating it when absent; a field of another type fails decoding.</summary>
    protected static JsonObject Child(JsonObject parent, string property, string path)
    {
        if (TypedReader.Object(parent, property, path) is { } existing)
        {
            return existing;
        }

        var created = new JsonObject();
        parent[property] = created;
        return created;
    }

    protected static void Default(JsonObject target, string property, JsonNode value)
    {
        if (target[property] is null)
        {
            target[property] = value;
        }
    }
}
