namespace MFlow.Documents;

/// <summary>
/// What one document may cost to read. Every limit is checked while the text is scanned, before
/// any object is built, so a hostile document is refused in time and memory proportional to the
/// limits rather than to its size or nesting.
/// </summary>
/// <param name="Name">What the document is, as error messages name it ("pipeline document", "kubeconfig").</param>
/// <param name="MaxChars">The longest text accepted.</param>
/// <param name="MaxDepth">The deepest nesting of mappings and lists (the root collection is level 1).</param>
/// <param name="MaxNodes">The most nodes (mappings, lists, scalars), each alias counting as the nodes it stands for.</param>
/// <param name="MaxAliases">The most aliases (<c>*name</c>) a YAML document may use.</param>
/// <param name="MaxExpandedChars">The most scalar text once every alias is expanded: bounds what a few anchors can multiply into.</param>
public sealed record DocumentLimits(string Name, int MaxChars, int MaxDepth, int MaxNodes, int MaxAliases, long MaxExpandedChars)
{
    /// <summary>Pipelines, run requests and job or pipeline definitions: 1 MiB, 32 levels, 250,000 nodes.</summary>
    public static DocumentLimits Definition { get; } = new("document", 1024 * 1024, 32, 250_000, 10_000, 4L * 1024 * 1024);

    /// <summary>A registered cluster's kubeconfig: 256 KiB, 20 levels, 10,000 nodes, 100 aliases.</summary>
    public static DocumentLimits Kubeconfig { get; } = new("kubeconfig", 256 * 1024, 20, 10_000, 100, 1024 * 1024);
}
