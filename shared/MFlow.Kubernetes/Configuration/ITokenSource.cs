namespace MFlow.Kubernetes.Configuration;

/// <summary>Supplies the bearer token for each request.</summary>
internal interface ITokenSource
{
    /// <summary>Short description for <c>ToString()</c>, never the token.</summary>
    string Description { get; }

    /// <summary>The token to send now.</summary>
    string GetToken();

    /// <summary>Re-reads the token after a 401; true when it changed, so retrying makes sense.</summary>
    bool Refresh();
}
