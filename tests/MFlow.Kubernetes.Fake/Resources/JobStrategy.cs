using System.Text.Json.Nodes;
using MFlow.Kubernetes.Fake.Json;
using MFlow.Kubernetes.Fake.Validation;

namespace MFlow.Kubernetes.Fake.Resources;

/// <summary>batch/v1 Jobs: the registry's defaulting, generated selector and labels, and validation.</summary>
internal sealed class JobStrategy : ResourceStrategy
{
    protected override bool HasStatus => true;

    public override void PrepareForCreate(JsonObject job)
    {
        var metadata = Child(job, "metadata", "metadata");
        metadata["generation"] = 1;
        var spec = Child(job, "spec", "spec");
        var template = Child(spec, "template", "spec.template");
        var templateMetadata = Child(template, "metadata", "spec.template.metadata");
        var podSpec = Child(template, "spec", "spec.template.spec");

        if (spec["parallelism"] is null && spec["completions"] is null)
        {
            spec["completions"] = 1;
        }

        Default(spec, "parallelism", 1);
        Default(spec, "backoffLimit", 6);
        Default(spec, "completionMode", "NonIndexed");
        Default(spec, "suspend", false);
        Default(spec, "podReplacementPolicy", spec["podFailurePolicy"] is null ? "TerminatingOrFailed" : "Failed");
        foreach (var rule in spec["podFailurePolicy"]?["rules"] as JsonArray ?? [])
        {
            foreach (var pattern in (rule?["onPodConditions"] as JsonArray ?? []).OfType<JsonObject>())
            {
                // The apiserver defaults a pattern's status to True.
                pattern["status"] ??= "True";
            }
        }
        PodSpecDefaults.Apply(podSpec, "spec.template.spec");

        // A Job without labels takes its template's (user) labels, defaulted before the generated ones are added.
        if (TypedReader.Object(metadata, "labels", "metadata.labels") is not { Count: > 0 }
            && TypedReader.Object(templateMetadata, "labels", "spec.template.metadata.labels") is { Count: > 0 } templateLabels)
        {
            metadata["labels"] = templateLabels.DeepClone();
        }

        if (TypedReader.Boolean(spec, "manualSelector", "spec.manualSelector") != true && spec["selector"] is null)
        {
            var uid = KubeJson.Uid(job) ?? "";
            var name = KubeJson.Name(job) ?? "";
            spec["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { [JobLabels.ControllerUid] = uid } };
            var labels = Child(templateMetadata, "labels", "spec.template.metadata.labels");
            labels[JobLabels.LegacyControllerUid] = uid;
            labels[JobLabels.LegacyJobName] = name;
            labels[JobLabels.ControllerUid] = uid;
            labels[JobLabels.JobName] = name;
        }

        job["status"] = new JsonObject();
    }

    public override void PrepareForUpdate(JsonObject updated, JsonObject current)
    {
        base.PrepareForUpdate(updated, current);
        var generation = KubeJson.Integer(current["metadata"]?["generation"]) ?? 1;
        if (!JsonNode.DeepEquals(updated["spec"], current["spec"]))
        {
            generation++;
        }

        KubeJson.Metadata(updated)["generation"] = generation;
    }

    protected override void ValidateObject(JsonObject job, List<FieldError> errors)
    {
        var spec = TypedReader.Object(job, "spec", "spec");
        NonNegative(spec, "parallelism", errors);
        NonNegative(spec, "completions", errors);
        NonNegative(spec, "backoffLimit", errors);
        NonNegative(spec, "ttlSecondsAfterFinished", errors);
        if (TypedReader.Integer(spec, "activeDeadlineSeconds", "spec.activeDeadlineSeconds") is { } deadline and <= 0)
        {
            errors.Add(FieldError.Invalid("spec.activeDeadlineSeconds", deadline, "must be greater than 0"));
        }

        if (TypedReader.Boolean(spec, "manualSelector", "spec.manualSelector") != true)
        {
            var matchLabels = KubeJson.StringMap(spec?["selector"]?["matchLabels"]);
            var generated = matchLabels.Count == 1
                && matchLabels.TryGetValue(JobLabels.ControllerUid, out var uid)
                && uid == KubeJson.Uid(job)
                && spec?["selector"]?["matchExpressions"] is null;
            if (!generated)
            {
                errors.Add(FieldError.Invalid("spec.selector", spec?["selector"]?.ToJsonString() ?? "null", "`selector` not auto-generated"));
            }
        }

        var template = TypedReader.Object(spec, "template", "spec.template");
        var templateMetadata = TypedReader.Object(template, "metadata", "spec.template.metadata");
        MetadataValidator.ValidateLabels(TypedReader.StringMap(templateMetadata, "labels", "spec.template.metadata.labels"), "spec.template.labels", errors);
        MetadataValidator.ValidateAnnotations(TypedReader.StringMap(templateMetadata, "annotations", "spec.template.metadata.annotations"), "spec.template.annotations", errors);

        var podSpec = TypedReader.Object(template, "spec", "spec.template.spec");
        PodSpecValidator.Validate(podSpec, "spec.template.spec", errors);
        var restartPolicy = TypedReader.String(podSpec, "restartPolicy", "spec.template.spec.restartPolicy") ?? "";
        var podFailurePolicy = TypedReader.Object(spec, "podFailurePolicy", "spec.podFailurePolicy");
        if (restartPolicy is not ("OnFailure" or "Never"))
        {
            errors.Add(FieldError.NotSupported("spec.template.spec.restartPolicy", restartPolicy, "OnFailure", "Never"));
        }
        else if (podFailurePolicy is not null && restartPolicy != "Never")
        {
            errors.Add(FieldError.NotSupported("spec.template.spec.restartPolicy", restartPolicy, "Never"));
        }

        if (podFailurePolicy is not null)
        {
            PodFailurePolicyValidator.Validate(podFailurePolicy, podSpec, spec, errors);
        }
    }

    public override void ValidateUpdate(JsonObject updated, JsonObject current, List<FieldError> errors)
    {
        Validate(updated, errors);
        foreach (var field in new[] { "template", "selector", "completionMode" })
        {
            var before = current["spec"]?[field];
            var after = updated["spec"]?[field];
            if (!JsonNode.DeepEquals(before, after))
            {
                errors.Add(FieldError.Invalid($"spec.{field}", after?.ToJsonString() ?? "null", "field is immutable"));
            }
        }

        // Completions may only change together with parallelism (elastic indexed Jobs); the fake keeps the plain rule.
        if (!JsonNode.DeepEquals(current["spec"]?["completions"], updated["spec"]?["completions"]))
        {
            errors.Add(FieldError.Invalid("spec.completions", KubeJson.Integer(updated["spec"]?["completions"]), "field is immutable"));
        }
    }

    private static void NonNegative(JsonObject? spec, string field, List<FieldError> errors)
    {
        if (TypedReader.Integer(spec, field, $"spec.{field}") is { } value and < 0)
        {
            errors.Add(FieldError.Invalid($"spec.{field}", value, "must be greater than or equal to 0"));
        }
    }
}
