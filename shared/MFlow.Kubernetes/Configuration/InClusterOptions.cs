namespace MFlow.Kubernetes.Configuration;

/// <summary>
/// Where an in-cluster connection finds the API server and its service account credentials.
/// Every member has the in-cluster default; tests point them at temporary files.
/// </summary>
public sealed class InClusterOptions
{
    /// <summary>The directory the kubelet mounts the service account into.</summary>
    public const string DefaultServiceAccountDirectory = "/var/run/secrets/kubernetes.io/serviceaccount";

    /// <summary>The service account directory; the file paths below default to files in it.</summary>
    public string ServiceAccountDirectory { get; set; } = DefaultServiceAccountDirectory;

    /// <summary>The token file; <c>token</c> in <see cref="ServiceAccountDirectory"/> when null.</summary>
    public string? TokenPath { get; set; }

    /// <summary>The cluster CA bundle; <c>ca.crt</c> in <see cref="ServiceAccountDirectory"/> when null.</summary>
    public string? CaCertificatePath { get; set; }

    /// <summary>The namespace file; <c>namespace</c> in <see cref="ServiceAccountDirectory"/> when null.</summary>
    public string? NamespacePath { get; set; }

    /// <summary>The API server host; the <c>KUBERNETES_SERVICE_HOST</c> environment variable when null.</summary>
    public string? Host { get; set; }

    /// <summary>The API server port; the <c>KUBERNETES_SERVICE_PORT</c> environment variable when null.</summary>
    public string? Port { get; set; }

    /// <summary>The clock that decides when the token file is re-read.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    internal string ResolvedTokenPath => TokenPath ?? Path.Combine(ServiceAccountDirectory, "token");

    internal string ResolvedCaCertificatePath => CaCertificatePath ?? Path.Combine(ServiceAccountDirectory, "ca.crt");

    internal string ResolvedNamespacePath => NamespacePath ?? Path.Combine(ServiceAccountDirectory, "namespace");

    internal string? ResolvedHost => Host ?? Environment.GetEnvironmentVariable("KUBERNETES_SERVICE_HOST");

    internal string? ResolvedPort => Port ?? Environment.GetEnvironmentVariable("KUBERNETES_SERVICE_PORT");
}
