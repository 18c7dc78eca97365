namespace MFlow.Contracts;

/// <summary>Well-known keys of <see cref="RunTaskCommand.SecretValues"/>.</summary>
public static class SecretKeys
{
    /// <summary>The task's update token, with which it writes its outputs back to MFlow.</summary>
    public const string UpdateToken = "update-token";

    /// <summary>Inline kubeconfig content for the target cluster.</summary>
    public const string Kubeconfig = "kubeconfig";
}
