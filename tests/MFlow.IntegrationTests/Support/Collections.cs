namespace MFlow.IntegrationTests.Support;

/// <summary>
/// The tests that share one <see cref="ServiceCluster"/>: they only add runs of their own and read
/// them back, so they do not disturb each other, and xunit runs the classes of one collection one
/// after the other. Starting five service processes once instead of once per class is most of the
/// time this project takes.
/// </summary>
[CollectionDefinition(Name)]
public sealed class SharedClusterCollection : ICollectionFixture<ServiceCluster>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "shared cluster";
}

/// <summary>
/// Tests that stop, kill and restart services get a cluster of their own (one per class, through
/// <c>IClassFixture</c>); this collection keeps them off the shared cluster's time line while still
/// running in parallel with it.
/// </summary>
[CollectionDefinition(Name)]
public sealed class RestartingServicesCollection
{
    /// <summary>The collection's name.</summary>
    public const string Name = "restarting services";
}

/// <summary>
/// The aggregator's storage tests: each gets its own virtual host and database and hosts its own
/// aggregators; they run one after the other (not with each other) to keep the CPU for the races they set up.
/// </summary>
[CollectionDefinition(Name)]
public sealed class AggregatorStorageCollection
{
    /// <summary>The collection's name.</summary>
    public const string Name = "aggregator storage";
}
