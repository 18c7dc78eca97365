using System.Text.Json.Nodes;
using MFlow.Kubernetes.Fake.Json;
using MFlow.Kubernetes.Fake.Validation;

namespace MFlow.Kubernetes.Fake.Resources;

/// <summary>coordination.k8s.io/v1 Leases, for leader election: metadata rules and non-negative durations.</summary>
internal sealed class LeaseStrategy : ResourceStrategy
{
    protected override void ValidateObject(JsonObject lease, List<FieldError> errors)
    {
        var spec = TypedReader.Object(lease, "spec", "spec");
        if (TypedReader.Integer(spec, "leaseDurationSeconds", "spec.leaseDurationSeconds") is { } duration and <= 0)
        {
            errors.Add(FieldError.Invalid("spec.leaseDurationSeconds", duration, "must be greater than 0"));
        }

        if (TypedReader.Integer(spec, "leaseTransitions", "spec.leaseTransitions") is { } transitions and < 0)
        {
            errors.Add(FieldError.Invalid("spec.leaseTransitions", transitions, "must be greater than or equal to 0"));
        }

        // Read only to reject a holderIdentity that is not a string, as decoding would.
        _ = TypedReader.String(spec, "holderIdentity", "spec.holderIdentity");
    }
}
