using MassTransit;
using MassTransit.Testing;
using MFlow.Aggregator.Extensions;
using MFlow.Contracts;
using MFlow.Persistence;
using MFlow.Persistence.Runs;
using MFlow.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;

namespace MFlow.Aggregator.Tests.Support;

/// <summary>
/// A spec of the aggregator's consumers with their production definitions, on MassTransit's in-memory
/// test harness, storing the run in a real database: a throwaway SQLite file, the embedded default's
/// database (the integration tests run the same code on PostgreSQL).
/// </summary>
public abstract class RunSpec : IAsyncLifetime
{
    readonly MessageRecorder _recorder = new();
    readonly string _directory = Path.Combine(Path.GetTempPath(), $"mflow-aggregator-{Guid.NewGuid():N}");
    ServiceProvider? _provider;

    protected TestRun Run { get; } = new();

    protected ITestHarness Harness { get; private set; } = null!;

    /// <summary>The aggregator's database.</summary>
    protected Database Database { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["MFlow:Database:Provider"] = "Sqlite",
            ["MFlow:Database:ConnectionString"] = $"Data Source={Path.Combine(_directory, "mflow.db")}",
        });
        builder.AddMFlowDatabase();
        builder.AddAggregatorServices();
        builder.Services.AddMassTransitTestHarness(x =>
        {
            x.SetTestTimeouts(testTimeout: TimeSpan.FromSeconds(20));
            x.AddAggregatorConsumers();
        });
        _provider = builder.Services.BuildServiceProvider(true);
        Database = _provider.GetRequiredService<Database>();
        await new SchemaMigrator(Database, NullLogger<SchemaMigrator>.Instance).MigrateAsync(CancellationToken.None);
        Harness = _provider.GetRequiredService<ITestHarness>();
        await Harness.Start();
        Harness.Bus.ConnectPublishObserver(_recorder);
        Harness.Bus.ConnectConsumeObserver(_recorder);
    }

    public async Task DisposeAsync()
    {
        if (_provider is not null)
        {
            await Harness.Stop();
            await _provider.DisposeAsync();
        }

        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    protected async Task Publish(params object[] messages)
    {
        foreach (var message in messages)
            await Harness.Bus.Publish(message);
    }

    /// <summary>Publishes the messages and waits until the aggregator consumed every one of them.</summary>
    protected async Task PublishAndWait(params object[] messages)
    {
        var before = _recorder.Consumed;
        await Publish(messages);
        await WaitUntil(() => Task.FromResult(_recorder.Consumed >= before + messages.Length), $"the aggregator to consume {messages.Length} more messages");
        Assert.Empty(_recorder.Faults);
    }

    /// <summary>
    /// Waits until the run is stored in a state (<see cref="Runs.RunStates"/>) and the events of that
    /// change are published: they leave the outbox after the commit, and its row once the broker has them.
    /// </summary>
    protected Task WaitForState(string state) =>
        WaitUntil(async () => (await StateAsync())?.CurrentState == state && await OutboxEmptyAsync(), $"the run to be {state} and its events published");

    async Task<bool> OutboxEmptyAsync()
    {
        await using var connection = await Database.OpenAsync();
        await using var command = connection.Command("SELECT count(*) FROM aggregator_outbox");
        return Convert.ToInt64(await command.ExecuteScalarAsync()) == 0;
    }

    /// <summary>Waits for a published message matching the filter and returns it.</summary>
    protected async Task<T> WaitForPublished<T>(Func<T, bool>? filter = null)
        where T : class
    {
        T? found = null;
        await WaitUntil(() => Task.FromResult((found = Published<T>().FirstOrDefault(m => filter?.Invoke(m) ?? true)) is not null), $"a {typeof(T).Name}");
        return found!;
    }

    protected IReadOnlyList<T> Published<T>()
        where T : class =>
        _recorder.Published<T>().Where(m => RunIdOf(m) == Run.RunId).ToList();

    /// <summary>The run as the API reads it, or null while nothing of it is stored.</summary>
    protected async Task<PipelineRunState?> StateAsync()
    {
        await using var connection = await Database.OpenAsync();
        return await RunStatusReader.ReadAsync(connection, null, Run.RunId, CancellationToken.None);
    }

    /// <summary>Every stored row of the run, as text.</summary>
    protected async Task<string> SnapshotAsync()
    {
        await using var connection = await Database.OpenAsync();
        return await StoredRunRows.SnapshotAsync(connection, Run.RunId);
    }

    static Task WaitUntil(Func<Task<bool>> condition, string what) => Eventually.UntilAsync(condition, TimeSpan.FromSeconds(10), what);

    static Guid RunIdOf(object message) => message switch
    {
        StageCompleted m => m.RunId,
        PipelineRunSucceeded m => m.RunId,
        PipelineRunFailed m => m.RunId,
        TaskFailed m => m.RunId,
        PipelineRunCancelled m => m.RunId,
        CancelTask m => m.RunId,
        TaskUpdated m => m.RunId,
        PipelineRunStarted m => m.RunId,
        CancelPipelineRun m => m.RunId,
        StopPipelineRun m => m.RunId,
        _ => throw new ArgumentException($"No run id in {message.GetType().Name}"),
    };
}
