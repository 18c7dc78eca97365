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
        ValidateOwnerReferences(TypedReader.Objects(metadata, "ownerReferences", "metadata.ownerReferences"), errors);
    }

    /// <summary>As the apiserver's ValidateOwnerReferences: the field paths carry no index, as its own do.</summary>
    private static void ValidateOwnerReferences(IReadOnlyList<JsonObject> owners, List<FieldError> errors)
    {
        const string path = "metadata.ownerReferences";
        string? controller = null;
        foreach (var owner in owners)
        {
            var apiVersion = TypedReader.String(owner, "apiVersion", path + ".apiVersion") ?? "";
            var version = apiVersion[(apiVersion.IndexOf('/', StringComparison.Ordinal) + 1)..]; // the whole text when it has no group
            if (version.Length == 0)
            {
                errors.Add(FieldError.Invalid(path + ".apiVersion", apiVersion, "version must not be empty"));
            }

            foreach (var (field, detail) in new[] { ("kind", "kind must not be empty"), ("name", "name must not be empty"), ("uid", "uid must not be empty") })
            {
                var value = TypedReader.String(owner, field, $"{path}.{field}") ?? "";
                if (value.Length == 0)
                {
                    errors.Add(FieldError.Invalid($"{path}.{field}", value, detail));
                }
            }

            if (TypedReader.Boolean(owner, "controller", path + ".controller") == true)
            {
                var name = TypedReader.String(owner, "name", path + ".name") ?? "";
                if (controller is not null)
                {
                    errors.Add(FieldError.Invalid(path, name, $"Only one reference can have Controller set to true. Found \"true\" in references for {controller} and {name}"));
                }

                controller ??= name;
            }
        }
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
