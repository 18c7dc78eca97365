using MassTransit;
using MFlow.IntegrationTests.Support;
using MFlow.Testing;

namespace MFlow.IntegrationTests.Persistence;

/// <summary>
/// An aggregator storage test's own throwaway virtual host and database, and a bus to publish to the
/// aggregator's queue with; each test starts the aggregators it needs (<see cref="InProcessAggregator"/>
/// or processes).
/// </summary>
public abstract class AggregatorTest : IAsyncLifetime
{
    /// <summary>This test's RabbitMQ virtual host.</summary>
    protected RabbitMqVirtualHost VirtualHost { get; private set; } = null!;

    /// <summary>This test's PostgreSQL database.</summary>
    protected PostgresDatabase Database { get; private set; } = null!;

    /// <summary>A bus on <see cref="VirtualHost"/> that publishes what the test sends the aggregator.</summary>
    protected IBusControl Publisher { get; private set; } = null!;

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        VirtualHost = await RabbitMqVirtualHost.CreateAsync();
        Database = await PostgresDatabase.CreateAsync();
        Publisher = await TestBus.StartAsync(VirtualHost.Url);
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        await Publisher.StopAsync();
        await VirtualHost.DisposeAsync();
        await Database.DisposeAsync();
    }
}
