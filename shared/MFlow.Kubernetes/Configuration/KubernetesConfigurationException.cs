namespace MFlow.Kubernetes.Configuration;

/// <summary>
/// A kubeconfig or in-cluster configuration cannot be used: missing context, cluster or user,
/// an unreadable file, or an authentication method MFlow does not support. Messages name the
/// offending entry but never include credentials.
/// </summary>
public sealed class KubernetesConfigurationException : Exception
{
    /// <summary>Creates the exception with a message.</summary>
    public KubernetesConfigurationException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the underlying error.</summary>
    public KubernetesConfigurationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
