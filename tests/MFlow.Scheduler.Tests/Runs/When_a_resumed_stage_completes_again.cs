using MFlow.Contracts;
using MFlow.Persistence;
using MFlow.Scheduler.Pipelines;
using MFlow.Scheduler.Runs;
using Microsoft.Extensions.Logging.Abstractions;

namespace MFlow.Scheduler.Tests.Runs;

/// <summary>
/// A stage that failed reported its (partial) outputs; resumed, it completes again, successfully:
/// later stages must see what the success reported, and a late copy of the failure changes nothing.
/// </summary>
public sealed class When_a_resumed_stage_completes_again : IAsyncLifetime
{
    readonly string _directory = Path.Combine(Path.GetTempPath(), $"mflow-resumed-{Guid.NewGuid():N}");
    Database _database = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        _database = new Database(new DatabaseOptions { Provider = DatabaseProvider.Sqlite, ConnectionString = $"Data Source={Path.Combine(_directory, "mflow.db")}" });
        await new SchemaMigrator(_database, NullLogger<SchemaMigrator>.Instance).MigrateAsync(CancellationToken.None);
    }

    public Task DisposeAsync()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Should_hand_the_next_stage_the_outputs_of_the_success_not_of_the_failure()
    {
        var store = new RunStore(_database);
        var runId = Guid.NewGuid();
        var plan = new RunPlan { PipelineName = "p", Stages = [new PlanStage { Index = 0, Name = "build" }, new PlanStage { Index = 1, Name = "deploy" }] };
        await InTransactionAsync(async (connection, transaction) =>
            Assert.True(await store.TryInsertAsync(connection, transaction, runId, new RunRequest { Pipeline = new PipelineDocument() }, plan, DateTimeOffset.UtcNow, CancellationToken.None)));

        var failed = Completed(runId, succeeded: false, version: "");
        var succeeded = Completed(runId, succeeded: true, version: "1.4.0");
        await InTransactionAsync(async (connection, transaction) => Assert.Null(await store.TryAdvanceAsync(connection, transaction, failed, CancellationToken.None)));
        var advanced = await InTransactionAsync((connection, transaction) => store.TryAdvanceAsync(connection, transaction, succeeded, CancellationToken.None));
        await InTransactionAsync(async (connection, transaction) => Assert.Null(await store.TryAdvanceAsync(connection, transaction, failed, CancellationToken.None)));

        Assert.NotNull(advanced);
        Assert.Equal(1, advanced.Next);
        Assert.Equal("1.4.0", advanced.StageOutputs["package"]["VERSION"]);
        var later = await InTransactionAsync((connection, transaction) => store.ReadForDispatchAsync(connection, transaction, runId, CancellationToken.None));
        Assert.Equal("1.4.0", later!.StageOutputs["package"]["VERSION"]);
    }

    static StageCompleted Completed(Guid runId, bool succeeded, string version) => new()
    {
        RunId = runId,
        StageIndex = 0,
        StageName = "build",
        Succeeded = succeeded,
        CompletedAt = DateTimeOffset.UtcNow,
        Outputs = new Dictionary<string, IReadOnlyDictionary<string, string>> { ["package"] = new Dictionary<string, string> { ["VERSION"] = version } },
    };

    async Task<T> InTransactionAsync<T>(Func<System.Data.Common.DbConnection, System.Data.Common.DbTransaction, Task<T>> work)
    {
        await using var connection = await _database.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var result = await work(connection, transaction);
        await transaction.CommitAsync();
        return result;
    }

    Task InTransactionAsync(Func<System.Data.Common.DbConnection, System.Data.Common.DbTransaction, Task> work) =>
        InTransactionAsync<bool>(async (connection, transaction) => { await work(connection, transaction); return true; });
}
