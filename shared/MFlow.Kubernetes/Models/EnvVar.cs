namespace MFlow.Kubernetes.Models;

/// <summary>An environment variable: a literal value or a reference.</summary>
public sealed class EnvVar
{
    /// <summary>Creates an empty variable (for deserialization and object initializers).</summary>
    public EnvVar()
    {
    }

    /// <summary>Creates a variable with a literal value.</summary>
    public EnvVar(string name, string? value)
    {
        Name = name;
        Value = value;
    }

    /// <summary>The variable name.</summary>
    public string? Name { get; set; }

    /// <summary>A literal value.</summary>
    public string? Value { get; set; }

    /// <summary>Where the value comes from, when not literal.</summary>
    public EnvVarSource? ValueFrom { get; set; }
}
