namespace MFlow.Kubernetes.Models;

/// <summary>One cause of an error, usually one invalid field.</summary>
public sealed class StatusCause
{
    /// <summary>Machine-readable reason, e.g. <c>FieldValueInvalid</c> or <c>FieldValueNotSupported</c>.</summary>
    public string? Reason { get; set; }

    /// <summary>Human-readable description.</summary>
    public string? Message { get; set; }

    /// <summary>The JSON path of the field, e.g. <c>spec.template.spec.restartPolicy</c>.</summary>
    public string? Field { get; set; }

    /// <inheritdoc />
    public override string ToString() => Field is { Length: > 0 } ? $"{Field}: {Message}" : Message ?? Reason ?? "";
}
