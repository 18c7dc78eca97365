using MassTransit;
using MFlow.Contracts;
using MFlow.IntegrationTests.Support;
using MFlow.Testing;

namespace MFlow.IntegrationTests.Persistence;

[Collection(SagaRepositoryCollection.Name)]
public sealed class When_an_update_changes_nothing : IAsyncLifetime
{
    private RabbitMqVirtualHost _virtualHost = null!;
    private PostgresDatabase _database = null!;
    private IBusControl _publisher = null!;

    public async Task InitializeAsync()
    {
        _virtualHost = await RabbitMqVirtualHost.CreateAsync();
        _database = await PostgresDatabase.CreateAsync();
        _publisher = await TestBus.StartAsync(_virtualHost.Url);
    }

    public async Task DisposeAsync()
    {
        await _publisher.StopAsync();
        await _virtualHost.DisposeAsync();
        await _database.DisposeAsync();
    }

    [Fact]
    public async Task Should_write_nothing_for_a_duplicate_a_late_arrival_or_a_second_plan()
    {
        var gate = new SagaGate();
        var run = new RunMessages(2);
        await using var aggregator = await InProcessAggregator.StartAsync(_virtualHost, _database, gate, concurrency: 8);
        await _publisher.Publish(run.Started);
        await SagaRows.WaitUntilAsync(_database, run.RunId, row => row.Version == 1, "the run is stored");
        await _publisher.Publish(run.Update(0, TaskState.Running));
        await SagaRows.WaitUntilAsync(_database, run.RunId, row => row.Version == 2, "task 0 runs");
        await _publisher.Publish(run.Update(0, TaskState.Succeeded));
        var before = (await SagaRows.WaitUntilAsync(_database, run.RunId, row => row.Version == 3, "task 0 succeeded"))!;
        var passesBefore = gate.Passes.Count;

        await _publisher.Publish(run.Update(0, TaskState.Succeeded));
        await _publisher.Publish(run.Update(0, TaskState.Running));
        await _publisher.Publish(run.Started);
        await Eventually.UntilAsync(() => Task.FromResult(gate.Passes.Count - passesBefore), count => count >= 3, TimeSpan.FromSeconds(60), "the saga handled all three");
        await aggregator.StopAsync();
        Assert.Equal(0u, await _virtualHost.QueueDepthAsync("mflow-aggregator"));

        var after = await SagaRows.ReadAsync(_database, run.RunId);
        Assert.Equal(before, after);
        Assert.Equal(TaskState.Succeeded, after!.State().Tasks[run.Tasks[0].Id].State);
        Assert.Equal(3, gate.Passes.Count - passesBefore);
    }
}
