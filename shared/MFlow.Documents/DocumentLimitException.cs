namespace MFlow.Documents;

/// <summary>A document exceeds one of its <see cref="DocumentLimits"/>; nothing was built from it.</summary>
/// <param name="limit">Which limit: size, depth, nodes, aliases or expanded size.</param>
/// <param name="message">What was exceeded, with the limit and where.</param>
/// <param name="tooLarge">True when the document is simply too long (HTTP 413 rather than 400).</param>
public sealed class DocumentLimitException(string limit, string message, bool tooLarge = false) : FormatException(message)
{
    /// <summary>Which limit was exceeded: size, depth, nodes, aliases or expandedSize.</summary>
    public string Limit { get; } = limit;

    /// <summary>True when the document is longer than allowed, as opposed to shaped in a way it may not be.</summary>
    public bool TooLarge { get; } = tooLarge;
}
