namespace MFlow.Kubernetes.Configuration;

/// <summary>A token fixed at configuration time (kubeconfig <c>token</c>).</summary>
internal sealed class StaticTokenSource(string token) : ITokenSource
{
    private readonly string _token = token;

    public string Description => "token";

    public string GetToken() => _token;

    public bool Refresh() => false;

    public override string ToString() => Description;
}
