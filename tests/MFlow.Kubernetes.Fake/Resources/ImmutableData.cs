using System.Text.Json.Nodes;
using MFlow.Kubernetes.Fake.Json;
using MFlow.Kubernetes.Fake.Validation;

namespace MFlow.Kubernetes.Fake.Resources;

/// <summary>The <c>immutable: true</c> rule shared by Secrets and ConfigMaps.</summary>
internal static class ImmutableData
{
    public static void Validate(JsonObject updated, JsonObject current, IReadOnlyList<string> fields, List<FieldError> errors)
    {
        if (KubeJson.Boolean(current["immutable"]) != true)
        {
            return;
        }

        if (KubeJson.Boolean(updated["immutable"]) != true)
        {
            errors.Add(FieldError.Forbidden("immutable", "field is immutable when `immutable` is set"));
        }

        foreach (var field in fields)
        {
            if (!JsonNode.DeepEquals(updated[field], current[field]))
            {
                errors.Add(FieldError.Forbidden(field, "field is immutable when `immutable` is set"));
            }
        }
    }
}
