using System.Text;
using System.Text.Json.Nodes;
using MFlow.Kubernetes.Fake.Json;

namespace MFlow.Kubernetes.Fake.Validation;

/// <summary>Validation of metadata shared by every resource: name, labels, annotations.</summary>
internal static class MetadataValidator
{
    private const int TotalAnnotationSizeLimit = 256 * 1024;

    public static void Validate(JsonObject obj, List<FieldError> errors)
    {
        var metadata = TypedReader.Object(obj, "metadata", "metadata");
        var name = TypedReader.String(metadata, "name", "metadata.name") ?? "";
        var generateName = TypedReader.String(metadata, "generateName", "metadata.generateName") ?? "";
        if (name.Length == 0)
        {
            errors.Add(generateName.Length == 0
                ? FieldError.Required("metadata.name", "name or generateName is required")
                : FieldError.Required("metadata.name"));
        }
        else
        {
            errors.AddRange(NameRules.Dns1123Subdomain(name).Select(message => FieldError.Invalid("metadata.name", name, message)));
        }

        ValidateLabels(TypedReader.StringMap(metadata, "labels", "metadata.labels"), "metadata.labels", errors);
        ValidateAnnotations(TypedReader.StringMap(metadata, "annotations", "metadata.annotations"), "metadata.annotations", errors);
    }

    public static void ValidateLabels(IReadOnlyList<KeyValuePair<string, string>> labels, string path, List<FieldError> errors)
    {
        foreach (var (key, value) in labels)
        {
            errors.AddRange(NameRules.QualifiedName(key).Select(message => FieldError.Invalid(path, key, message)));
            errors.AddRange(NameRules.LabelValue(value).Select(message => FieldError.Invalid(path, value, message)));
        }
    }

    public static void ValidateAnnotations(IReadOnlyList<KeyValuePair<string, string>> annotations, string path, List<FieldError> errors)
    {
        var totalSize = 0;
        foreach (var (key, value) in annotations)
        {
            // Annotation keys are case-insensitive in their prefix and checked lowercased, as the apiserver does.
            errors.AddRange(NameRules.QualifiedName(key.ToLowerInvariant()).Select(message => FieldError.Invalid(path, key, message)));
            totalSize += Encoding.UTF8.GetByteCount(key) + Encoding.UTF8.GetByteCount(value);
        }

        if (totalSize > TotalAnnotationSizeLimit)
        {
            errors.Add(FieldError.TooLong(path, TotalAnnotationSizeLimit));
        }
    }
}
