using MFlow.IntegrationTests.Kubernetes;

namespace MFlow.IntegrationTests.Faults;

/// <summary>
/// The fault tests (issue 5): one <see cref="KubernetesCluster"/> of their own (five service processes,
/// the workers on the Kubernetes executor against the fake API server), one test after the other.
/// They restart the RabbitMQ and PostgreSQL containers that every integration test shares, so xunit
/// runs this collection alone, after the collections that run in parallel have finished.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class FaultsCollection : ICollectionFixture<KubernetesCluster>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "faults";
}
